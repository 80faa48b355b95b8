"""Risk summary and triage: factors evidenced in linked records, a calibrated glass-box score,
explanations, the triage list, fairness audit and validation. Advisory only (UK GDPR Art 22):
a practitioner decides, and the decision is recorded.

Layout: ``factors`` (what each event evidences, pure), ``areas`` (factors grouped into areas of
concern, the model's unit), ``features`` (factors and features of one child at one date,
pure), ``model`` (EBM training and scoring with per-area contributions),
``dataset`` (store-aware: events of children and their household adults, outcomes),
``scoring`` (store-aware: stored scores, re-scoring, changes), ``evaluation`` (metrics, lead
time), ``fairness`` (group audit), ``report`` (charts and Markdown).
"""

MODEL_VERSION = "risk-ebm-2"  # 2: features per area of concern; 1 is not read
