"""The built-in catalogue of intervention types (plain data).

A partnership's catalogue lives in the store (``intervention_type``): these are seeded on
first use and a partnership adds its own with ``joinedup interventions types add``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InterventionType:
    code: str
    title: str
    description: str
    min_age: int = 0
    max_age: int = 18


BUILT_IN: tuple[InterventionType, ...] = (
    InterventionType(
        "EARLY_HELP_FAMILY_SUPPORT",
        "Early help family support",
        "A family support worker from the family hub works with the whole family for about "
        "20 weeks on the problems they name.",
    ),
    InterventionType(
        "PARENTING_PROGRAMME",
        "Parenting programme",
        "A structured group parenting programme (about 12 weekly sessions).",
        0,
        13,
    ),
    InterventionType(
        "SCHOOL_ATTENDANCE_SUPPORT",
        "School attendance support",
        "An attendance officer and the school agree a plan with the family to get the child "
        "back to school.",
        5,
        16,
    ),
    InterventionType(
        "DA_PERPETRATOR_PROGRAMME",
        "Domestic abuse perpetrator programme",
        "An accredited programme for the adult who causes harm, with support for the victim.",
    ),
    InterventionType(
        "CCE_CSE_MENTORING",
        "Mentoring for children at risk of exploitation",
        "A trusted adult mentor for a child at risk of criminal or sexual exploitation.",
        10,
        18,
    ),
    InterventionType(
        "PARENTAL_SUBSTANCE_MISUSE_TREATMENT",
        "Substance-misuse treatment for a parent",
        "Structured drug or alcohol treatment for a parent, with family support.",
    ),
)
