"""The DSA and DPIA documents are generated from the agreement data, in Markdown and PDF."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.governance.agreements import EXAMPLES, shipped_agreements
from joinedup.governance.documents import dpia_markdown, dsa_markdown
from joinedup.governance.pdf import markdown_to_pdf

ON = date(2026, 11, 21)


def agreement(agreement_id: str):
    return next(a for a in shipped_agreements() if a.id == agreement_id)


def test_the_dsa_states_parties_basis_items_retention_and_signatories() -> None:
    mash = agreement("EXM-MASH-001")
    text = dsa_markdown(mash, ON)
    for party in mash.parties:
        assert party.organisation in text
    assert "UK GDPR Art 6(1)(e)" in text and "UK GDPR Art 6(1)(c)" in text
    assert "UK GDPR Art 6(1)(f)" in text and "LIA-ERP-2026-03" in text
    assert "DPA 2018 Sch 1 Part 2 para 18" in text
    assert "Children Act 1989 s47" in text
    assert "| mental health | health.mental_health |" in text
    assert "special category (Art 9)" in text and "criminal offence data (Art 10)" in text
    assert "6 years from the date of the MASH decision; then secure deletion" in text
    for signatory in mash.signatories:
        assert f"| {signatory.name} | {signatory.job_title} |" in text
    assert "OFFICIAL-SENSITIVE" in text and "Generated on 2026-11-21" in text
    # Items not shared by a flow are not in its table.
    health = text.split("(health-to-mash)")[1].split("###")[0]
    assert "health.sexual_health" not in health


def test_the_dpia_draft_lists_the_high_risk_criteria_and_risks() -> None:
    text = dpia_markdown(agreement("EXM-OE-002"), ON)
    assert "# DPIA draft: Operation Encompass" in text
    assert "Criminal offence data: domestic abuse incidents." in text
    assert "Special category data" not in text
    assert "| Allegations treated as findings; unfair inferences about a family |" in text
    assert "*To complete*" in text and "DPIA-EXM-2025-031" in text


def test_the_pdf_is_a_valid_pdf_with_the_same_content() -> None:
    oe = agreement("EXM-OE-002")
    data = markdown_to_pdf(dsa_markdown(oe, ON), oe.title)
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title == oe.title
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Chief Constable of Exampleshire Police" in text
    assert "Daniel Okafor" in text and "police.domestic_abuse" in text
    assert "25 years from the child's date of birth" in text


@pytest.fixture
def loaded(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert CliRunner().invoke(app, ["agreements", "load", str(EXAMPLES)]).exit_code == 0
    return engine


def test_documents_from_the_command_line(loaded: Engine, tmp_path: Path) -> None:
    runner = CliRunner()
    md = runner.invoke(app, ["agreements", "document", "EXM-EH-003"])
    assert md.exit_code == 0 and md.stdout.startswith("# Exampleshire early help")
    pdf = tmp_path / "dpia.pdf"
    made = runner.invoke(
        app, ["agreements", "dpia", "EXM-EH-003@1", "--format", "pdf", "--out", str(pdf)]
    )
    assert made.exit_code == 0, made.output
    reader = PdfReader(pdf)
    assert reader.metadata.title.startswith("DPIA draft: Exampleshire early help")
    assert len(reader.pages) >= 2
    refused = runner.invoke(app, ["agreements", "document", "EXM-EH-003", "--format", "pdf"])
    assert refused.exit_code == 2 and "needs --out" in refused.output
