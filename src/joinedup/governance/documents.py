"""Documents from agreement data: the data sharing agreement (DSA) and a DPIA draft, as
Markdown (Jinja2 templates) and PDF.

In: an ``Agreement``. Out: Markdown text, or PDF bytes (``pdf.markdown_to_pdf``). The same data
that drives every access decision writes the documents partners sign, so the document and
the system cannot drift apart.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from joinedup.domain.agencies import AGENCIES, AgencyId
from joinedup.governance.agreements import Agreement, Flow
from joinedup.governance.catalogue import CATALOGUE
from joinedup.governance.law import (
    ARTICLE_9_TEXT,
    ARTICLE_10_TEXT,
    GATEWAY_TEXT,
    LAWFUL_BASIS_TEXT,
    PART_3_TEXT,
)
from joinedup.governance.purposes import PURPOSES
from joinedup.governance.roles import ROLE_RULES

TEMPLATES = Path(__file__).parent / "templates"
# Markdown, not HTML: autoescape would put entities into the text.
_env = Environment(  # noqa: S701
    loader=FileSystemLoader(TEMPLATES),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "/")


def _of(name: str, partnership: str | None) -> str:
    return f"{name} of {partnership.title()}" if partnership else name


def flow_context(flow: Flow) -> dict[str, Any]:
    items = [CATALOGUE[f] for f in flow.fields]
    return {
        "id": flow.id,
        "source": _of(AGENCIES[flow.source].name, flow.from_partnership),
        "source_id": flow.source.value,
        "recipients": ", ".join(
            _of(AGENCIES[a].name, flow.to_partnership) for a in flow.recipients
        ),
        "within_months": flow.within_months,
        "roles": ", ".join(ROLE_RULES[r].title for r in flow.recipient_roles),
        "purposes": ", ".join(PURPOSES[p].title for p in flow.purposes),
        "data": [
            {
                "field": d.field,
                "label": _cell(d.label),
                "source": _cell(d.source),
                "flags": ", ".join(
                    f
                    for f, on in (
                        ("special category (Art 9)", d.special_category),
                        ("criminal offence data (Art 10)", d.criminal_offence),
                        ("free text", d.free_text),
                    )
                    if on
                )
                or "-",
            }
            for d in items
        ],
        "lawful_basis": LAWFUL_BASIS_TEXT[flow.lawful_basis],
        "article_9": ARTICLE_9_TEXT[flow.article_9] if flow.article_9 else None,
        "article_10": ARTICLE_10_TEXT[flow.article_10] if flow.article_10 else None,
        "part_3": PART_3_TEXT[flow.part_3] if flow.part_3 else None,
        "gateways": [GATEWAY_TEXT[g] for g in flow.gateways],
        "lia": flow.legitimate_interests_assessment,
        "necessity": " ".join(flow.necessity.split()),
        "retention": flow.retention.describe(),
        "special": any(d.special_category for d in items),
        "criminal": any(d.criminal_offence for d in items),
        "free_text": any(d.free_text for d in items),
    }


def context(agreement: Agreement, generated_on: date) -> dict[str, Any]:
    """Everything the templates print, prepared as plain strings and lists."""
    flows = [flow_context(f) for f in agreement.flows]
    fields = sorted({f for flow in agreement.flows for f in flow.fields})
    return {
        "a": agreement,
        "generated_on": generated_on.isoformat(),
        "parties": [
            {
                "organisation": _cell(p.organisation),
                "agency": _of(AGENCIES[p.agency].name, p.partnership),
                "role": p.controller_role.value.replace("_", " "),
                "ico": p.ico_registration or "-",
                "contact": _cell(p.contact),
            }
            for p in agreement.parties
        ],
        "purposes": [PURPOSES[p] for p in agreement.purposes],
        "flows": flows,
        "signatories": [
            {
                "name": _cell(s.name),
                "job_title": _cell(s.job_title),
                "organisation": _cell(_organisation(agreement, s.agency, s.partnership)),
                "signed_on": s.signed_on.isoformat(),
            }
            for s in agreement.signatories
        ],
        "summary": " ".join(agreement.summary.split()),
        "transparency": " ".join(agreement.transparency.split()),
        "confidentiality": " ".join(agreement.confidentiality.split()),
        "n_items": len(fields),
        "special_items": [CATALOGUE[f] for f in fields if CATALOGUE[f].special_category],
        "criminal_items": [CATALOGUE[f] for f in fields if CATALOGUE[f].criminal_offence],
        "free_text_items": [CATALOGUE[f] for f in fields if CATALOGUE[f].free_text],
        "risks": dpia_risks(agreement, fields),
    }


def _organisation(agreement: Agreement, agency: AgencyId, partnership: str | None = None) -> str:
    party = next(
        (p for p in agreement.parties if p.agency is agency and p.partnership == partnership),
        agreement.party(agency),
    )
    return party.organisation if party else AGENCIES[agency].name


def dpia_risks(agreement: Agreement, fields: list[str]) -> list[dict[str, str]]:
    """The risks this sharing plainly carries, from its data, each with the platform's
    mitigation. Likelihood and severity are left for the DPO to judge."""
    items = [CATALOGUE[f] for f in fields]
    risks = [
        {
            "risk": "Information about children (vulnerable data subjects) seen by someone "
            "who does not need it",
            "source": "every flow",
            "measure": "Every read decided by role, declared purpose and legitimate "
            "relationship; denied fields are absent; every access audited",
        },
        {
            "risk": "Records of different people wrongly joined, so a child is judged on "
            "someone else's history",
            "source": "combining datasets from several agencies",
            "measure": "Probabilistic linkage with match probabilities shown and clerical "
            "review of uncertain links",
        },
        {
            "risk": "Data kept longer than the agreed retention periods",
            "source": "; ".join(sorted({f.retention.describe() for f in agreement.flows})),
            "measure": "Retention periods held as data and applied by the retention job",
        },
        {
            "risk": "Emergency (break-glass) access used without real need",
            "source": "emergency access",
            "measure": "Safeguarding purposes only, typed justification, time limit, review "
            "of every use by a privacy officer",
        },
    ]
    special = [d.label for d in items if d.special_category]
    if special:
        risks.append(
            {
                "risk": "Special category data disclosed beyond what the purpose needs",
                "source": ", ".join(special),
                "measure": "Shared only in flows naming an Art 9 condition; field-level masks",
            }
        )
    criminal = [d.label for d in items if d.criminal_offence]
    if criminal:
        risks.append(
            {
                "risk": "Allegations treated as findings; unfair inferences about a family",
                "source": ", ".join(criminal),
                "measure": "Criminal offence data shared only under an Art 10 condition; "
                "incident roles shown as recorded (victim, suspect, witness)",
            }
        )
    free = [d.label for d in items if d.free_text]
    if free:
        risks.append(
            {
                "risk": "Free text revealing more than the structured fields (third parties, "
                "opinions)",
                "source": ", ".join(free),
                "measure": "Free text shared only where named in a flow; never in statutory "
                "returns",
            }
        )
    return risks


def dsa_markdown(agreement: Agreement, generated_on: date | None = None) -> str:
    """The data sharing agreement document, in Markdown."""
    return _env.get_template("dsa.md.j2").render(**context(agreement, generated_on or date.today()))


def dpia_markdown(agreement: Agreement, generated_on: date | None = None) -> str:
    """A DPIA draft for the DPO to complete, in Markdown."""
    return _env.get_template("dpia.md.j2").render(
        **context(agreement, generated_on or date.today())
    )
