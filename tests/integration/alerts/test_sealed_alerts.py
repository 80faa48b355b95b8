"""A sealed child in an alert (red team): every alert carries the recipient agency's own
record of the child ("your record": name and reference) and, in Operation Encompass, the
child's name and date of birth. A sealed record is shown only as the gate shows it: the
seal goes to the decision point with the request, and an alert whose decision did not
open the seal says only that something exists and whom to call, in its stored content
(the inbox and page), its email text and its webhook.

The class: the school's notification, children's health's and the police's telephone task
(whose recipients differ in agency and in whether the policy decides at all), for each
kind of seal on the school's record (a seal on any of the child's records seals the child,
as the gate has it: children's health and the police are told nothing of her either)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from joinedup.alerts import inbox as alert_inbox
from joinedup.alerts.channels import render_text
from joinedup.store.tables import person_record

from .test_encompass_protocol import UPN, _uk, replayed, store  # noqa: F401  (a fixture)

RULES = ("OPERATION_ENCOMPASS", "OPERATION_ENCOMPASS_HEALTH", "OPERATION_ENCOMPASS_CALL")
# What the sealed child's alerts must never carry: her name, date of birth, references.
NEVER = ("Ava", "2015-03-04", "04/03/2015", "4 March 2015", UPN, "PC1")


def _seal(engine: Engine, agency: str, kind: str) -> None:
    with engine.begin() as c:
        c.execute(
            update(person_record)
            .where(person_record.c.agency_id == agency)
            .where(person_record.c.forenames == "Ava")
            .values(attributes={"sealed": kind})
        )


@pytest.mark.parametrize("kind", ["witness_protection", "adoption", "gender_recognition", "x"])
def test_a_sealed_childs_alerts_carry_nothing_of_her_record(
    store: Engine,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    monkeypatch.setenv("JOINEDUP_ENCOMPASS_HEALTH_EMAIL", "0-19.team@community.nhs.example")
    monkeypatch.setenv("JOINEDUP_ENCOMPASS_TELEPHONE", "1")
    _seal(store, "education", kind)
    replayed(store, tmp_path / "p", "INC-FRI", _uk(2026, 3, 6, 22, 40), _uk(2026, 3, 7, 6, 0))
    for rule in RULES:
        sent = {a["child"]: a for a in alert_inbox.list_alerts(store, rule=rule)}
        assert set(sent) == {"P1", "P2"}, rule  # the sealed child's alert is still raised
        sealed = sent["P1"]
        shown = repr(sealed["content"]) + render_text({**sealed, "child_person_id": "P1"})
        for never in NEVER:
            assert never not in shown, (rule, never)
        assert sealed["shared"] is False, rule
        assert "restricted record" in shown, rule
        brother = repr(sent["P2"]["content"])  # her brother's record is not sealed
        assert "Ben" in brother or rule == "OPERATION_ENCOMPASS_CALL", rule
