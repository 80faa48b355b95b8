"""Covariates and outcomes per child at an index date (pure pandas; no ORM).

In: ``events`` (one row per recorded event already tied to a linked person: ``person_id``,
``kind``, ``day`` as days since 1970-01-01, ``value``), ``people`` (``person_id``, ``dob_day``,
``male``) and ``units`` (``unit``, ``person_id``, ``day``: the start of an intervention, or a
comparison child's index date). Out: one row per unit with pre-treatment covariates (the 12
months before the index date, or ever before it), the outcomes in the 12 months from it, the
same outcomes in the 12 months before it (for difference-in-differences) and a monthly
trajectory of statutory outcomes from 12 months before to 12 months after.

Nothing on or after the index date goes into a covariate (no leakage): the windows are
``[day - 365, day)`` before and ``[day, day + 365)`` after.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

YEAR = 365
MONTH = 30.44
STATUTORY_KINDS = ("referral", "cp_plan", "looked_after")

# Covariate -> (event kind, window) where window is "12m" (12 months before) or "ever".
COUNTS: dict[str, tuple[str, str]] = {
    "prior_referrals": ("referral", "12m"),
    "prior_contacts": ("contact", "12m"),
    "prior_early_help": ("early_help", "12m"),
    "prior_missing": ("missing", "12m"),
    "prior_police": ("police", "12m"),
    "prior_police_da": ("police_da", "12m"),
    "prior_emergency": ("emergency", "12m"),
    "prior_exclusions": ("exclusion", "12m"),
    "ever_cp_plan": ("cp_plan", "ever"),
    "ever_looked_after": ("looked_after", "ever"),
}
# Each covariate's catalogue field (joinedup.governance.catalogue): a reader's decision may
# withhold some, and an estimate for one child then matches only on what may be read.
FIELDS: dict[str, str] = {
    "age": "social_care.identity",
    "male": "social_care.identity",
    "prior_referrals": "social_care.cin_episodes",
    "prior_contacts": "social_care.contacts",
    "prior_early_help": "social_care.early_help",
    "prior_missing": "social_care.missing_episodes",
    "prior_police": "police.incidents",
    "prior_police_da": "police.domestic_abuse",
    "prior_emergency": "health.encounters",
    "prior_exclusions": "education.exclusions",
    "ever_cp_plan": "social_care.cp_plans",
    "ever_looked_after": "social_care.looked_after",
}
COVARIATES = ["age", "male", *COUNTS]
LABELS = {
    "age": "age (years)",
    "male": "boy",
    "prior_referrals": "referrals, last 12 months",
    "prior_contacts": "contacts to social care, last 12 months",
    "prior_early_help": "early help episodes, last 12 months",
    "prior_missing": "missing episodes, last 12 months",
    "prior_police": "police incidents involving the child, last 12 months",
    "prior_police_da": "domestic abuse incidents, last 12 months",
    "prior_emergency": "A&E attendances, last 12 months",
    "prior_exclusions": "suspensions or exclusions, last 12 months",
    "ever_cp_plan": "child protection plan before",
    "ever_looked_after": "looked after before",
}
# Outcome -> (event kinds, kind of measure). "any" = at least one event in the window.
OUTCOMES: dict[str, tuple[tuple[str, ...], str]] = {
    "statutory": (STATUTORY_KINDS, "any"),
    "referral": (("referral",), "any"),
    "cp_plan": (("cp_plan",), "any"),
    "looked_after": (("looked_after",), "any"),
    "police_incident": (("police",), "any"),
    "emergency_attendance": (("emergency",), "any"),
    "school_absence": (("absence",), "mean"),
}
OUTCOME_LABELS = {
    "statutory": "any statutory outcome (referral, child protection plan or care)",
    "referral": "referral to children's social care",
    "cp_plan": "child protection plan",
    "looked_after": "came into care",
    "police_incident": "police incident involving the child",
    "emergency_attendance": "A&E attendance",
    "school_absence": "school absence rate (share of sessions missed)",
}
MONTHS = list(range(-12, 12))


def build(units: pd.DataFrame, people: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """One row per unit: covariates, outcomes after (``<o>``), before (``<o>_before``) and the
    monthly statutory trajectory (``m<k>``, k = -12..11)."""
    frame = units[["unit", "person_id", "day"]].merge(people, on="person_id", how="left")
    frame["age"] = (frame["day"] - frame["dob_day"]) / 365.25
    frame["male"] = frame["male"].fillna(0).astype(float)
    frame = frame.set_index("unit")
    joined = units[["unit", "person_id", "day"]].merge(
        events, on="person_id", how="inner", suffixes=("", "_event")
    )
    rel = joined["day_event"].to_numpy() - joined["day"].to_numpy()
    joined["rel"] = rel
    before12 = joined[(rel >= -YEAR) & (rel < 0)]
    ever = joined[rel < 0]
    after = joined[(rel >= 0) & (rel < YEAR)]
    for name, (kind, window) in COUNTS.items():
        source = before12 if window == "12m" else ever
        counts = source[source["kind"] == kind].groupby("unit").size()
        values = frame.index.map(counts).to_numpy(dtype=float)
        values = np.nan_to_num(values)
        frame[name] = (values > 0).astype(float) if window == "ever" else values
    for name, (kinds, measure) in OUTCOMES.items():
        for suffix, source in (("", after), ("_before", before12)):
            rows = source[source["kind"].isin(kinds)]
            if measure == "any":
                hit = set(rows["unit"].unique())
                frame[name + suffix] = frame.index.isin(hit).astype(float)
            else:
                means = rows.groupby("unit")["value"].mean()
                frame[name + suffix] = frame.index.map(means).to_numpy(dtype=float)
    statutory = joined[joined["kind"].isin(STATUTORY_KINDS) & (rel >= -YEAR) & (rel < YEAR)]
    month = np.floor(statutory["rel"].to_numpy() / MONTH).astype(int).clip(-12, 11)
    marks = pd.DataFrame({"unit": statutory["unit"].to_numpy(), "m": month}).drop_duplicates()
    grid = pd.crosstab(marks["unit"], marks["m"]).reindex(columns=MONTHS, fill_value=0)
    for m in MONTHS:
        frame[f"m{m}"] = frame.index.map(grid[m]).to_numpy(dtype=float) if len(grid) else 0.0
        frame[f"m{m}"] = frame[f"m{m}"].fillna(0.0).clip(upper=1.0)
    return frame.reset_index()
