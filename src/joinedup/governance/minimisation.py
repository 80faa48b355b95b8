"""Minimisation: show only what the decision allows. A denied field is absent, not blank.

In: a record (a mapping keyed by field ``<agency>.<item>``, or nested ``{agency: {item: ...}}``,
with structural keys such as ``child_id`` and an optional ``sealed`` marker) and the
``Decision`` for it. Out: a new dict holding the structural keys asked to be kept and the
allowed fields, nothing else; ``_withheld`` lists the categories of denied fields that hold
something ("something exists: ask the agency"). Keys that are neither kept nor catalogue
fields are dropped: what the catalogue does not name is not shown (fail closed).

A record marked sealed (``sealed: adoption`` or a list of kinds) is shown only if the decision
says an explicit rule opened every one of its kinds; otherwise only the kept keys and a
"restricted record" marker come back. This holds even if the caller forgot to tell the PDP
that the record was sealed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from joinedup.domain.agencies import AgencyId
from joinedup.governance.access import Decision
from joinedup.governance.catalogue import CATALOGUE
from joinedup.governance.roles import sealed_kind

WITHHELD = "_withheld"
RESTRICTED = "restricted record: ask the agency that holds it"
_AGENCIES = {a.value for a in AgencyId}


def _has_content(value: Any) -> bool:
    return value not in (None, "", [], {}, ())


def sealed_kinds(record: Mapping[str, Any]) -> frozenset:
    marker = record.get("sealed")
    if not marker:
        return frozenset()
    values = [marker] if isinstance(marker, str) else list(marker)
    return frozenset(sealed_kind(str(v)) for v in values)


def minimise(
    record: Mapping[str, Any], decision: Decision, *, keep: tuple[str, ...] = ("child_id",)
) -> dict[str, Any]:
    """The record cut down to the decision's mask (see the module docstring)."""
    out: dict[str, Any] = {k: record[k] for k in keep if k in record}
    kinds = sealed_kinds(record)
    if kinds and not kinds <= decision.sealed_permitted:
        out[WITHHELD] = [RESTRICTED]
        return out
    if kinds:
        out["sealed"] = sorted(k.value for k in kinds)
    withheld: set[str] = set()
    for key, value in record.items():
        if key in keep or key == "sealed":
            continue
        if key in _AGENCIES and isinstance(value, Mapping):
            nested = {}
            for item, item_value in value.items():
                name = f"{key}.{item}"
                if name in decision.allowed_fields:
                    nested[item] = item_value
                elif name in decision.denied_fields and _has_content(item_value):
                    withheld.add(CATALOGUE[name].category)
            if nested:
                out[key] = nested
        elif key in decision.allowed_fields:
            out[key] = value
        elif key in decision.denied_fields and _has_content(value):
            withheld.add(CATALOGUE[key].category)
    if withheld:
        out[WITHHELD] = sorted(withheld)
    return out
