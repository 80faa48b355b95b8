"""Interventions end to end: a synthetic partnership with known effects, ingested, linked,
its intervention records imported, then evaluated (the honesty checks), reported and
estimated for one child through the gate."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, func, select

from joinedup.api.interventions import Estimate, Evaluation
from joinedup.errors import BadInput, Forbidden, NotFound
from joinedup.governance.reader import Reader
from joinedup.linkage.batch import link
from joinedup.services import deliveries_in, ingest
from joinedup.services import interventions as svc
from joinedup.store import make_engine, upgrade
from joinedup.store.audit_tables import audit_entry
from joinedup.synth import SynthOptions, generate_partnership
from tests.support.answers import assert_answered_exactly

CHILDREN = 2500
SEED = 5

ANALYST = SimpleNamespace(username="analyst-1", role="PARTNERSHIP_ANALYST")


@pytest.fixture(scope="module")
def partnership(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("iv") / "partnership"
    generate_partnership(
        out, children=CHILDREN, seed=SEED, options=SynthOptions(interventions=True)
    )
    return out


@pytest.fixture(scope="module")
def evaluated_db(partnership: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ivdb") / "store.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    for delivery in deliveries_in(partnership):
        ingest(engine, delivery)
    link(engine)
    svc.import_interventions(engine, partnership / "interventions")
    engine.dispose()
    return path


@pytest.fixture
def linked(evaluated_db: Path, tmp_path: Path) -> Iterator[Engine]:
    copy = tmp_path / "store.db"
    shutil.copy(evaluated_db, copy)
    engine = make_engine(f"sqlite:///{copy}")
    yield engine
    engine.dispose()


def _truth(partnership: Path) -> dict[str, float]:
    with (partnership / "truth" / "intervention_types.csv").open() as fh:
        return {r["type"]: float(r["true_effect"]) for r in csv.DictReader(fh)}


def test_synthetic_interventions_are_off_by_default(tmp_path):
    generate_partnership(tmp_path / "p", children=50, seed=1)
    assert not (tmp_path / "p" / "interventions").exists()
    assert not (tmp_path / "p" / "truth" / "interventions.csv").exists()


def test_evaluation_recovers_the_true_effects_and_shows_the_naive_bias(linked, partnership):
    for code, truth in _truth(partnership).items():
        result = svc.evaluate(linked, code, bootstrap=100)
        assert not result["too_thin"], result
        assert_answered_exactly(Evaluation, result)  # the API's model of it loses nothing
        main = result["outcomes"]["statutory"]
        lo, hi = main["relative_change_ci"]
        assert lo <= truth <= hi, (code, truth, main)
        # the children's own before/after fall is far larger than the truth: regression to
        # the mean after the crisis that got them the intervention
        assert main["naive_before_after_relative"] < truth - 0.2, (code, main)
        assert result["max_abs_smd_after"] < result["balance"][0]["smd_before"] + 1
        # outcomes the generator gives no effect at all
        police = result["outcomes"]["police_incident"]["relative_change_ci"]
        assert police[0] <= 0 <= police[1]


def test_report_exports(linked, tmp_path):
    result = svc.evaluate(linked, "EARLY_HELP_FAMILY_SUPPORT", "2023..2025", bootstrap=20)
    files = svc.export_evaluation(result, tmp_path / "board.md")
    text = (tmp_path / "board.md").read_text()
    assert "did it make a difference" in text and "E-value" in text
    assert len(files) == 4 and all(Path(f).stat().st_size > 1000 for f in files)
    svc.export_evaluation(result, tmp_path / "board.html")
    assert "data:image/png;base64," in (tmp_path / "board.html").read_text()
    # The board is told plainly when the comparison group still differs after weighting.
    warned = "groups still differ" in text
    assert warned == (result["max_abs_smd_after"] > 0.1)
    for smd, expected in ((0.05, False), (0.3, True)):
        files = svc.export_evaluation(
            {**result, "max_abs_smd_after": smd}, tmp_path / f"board-{smd}.md"
        )
        assert ("groups still differ" in (tmp_path / f"board-{smd}.md").read_text()) is expected


SCRIPT = '<img src=x onerror="alert(1)"><script>alert(2)</script>[x](javascript:alert(3))'


def test_a_title_is_text_in_every_report_and_retitling_is_audited(linked, tmp_path):
    """A type's title reaches the board report: before issue 16 it was written raw into the
    HTML export (Markdown passes HTML through, and the file had no CSP), and retitling was
    not audited. Now each report is rendered through autoescaped templates, the HTML carries
    a Content-Security-Policy allowing no script, and a retitle names who and what."""
    svc.add_type(linked, ANALYST, "EARLY_HELP_FAMILY_SUPPORT", f"Family support {SCRIPT}")
    with linked.connect() as c:
        entry = c.execute(
            select(audit_entry.c.actor, audit_entry.c.details)
            .where(audit_entry.c.kind == "INTERVENTION_TYPE_CHANGED")
            .order_by(audit_entry.c.seq.desc())
        ).first()
    assert entry.actor == "analyst-1"
    assert entry.details["title"].endswith(SCRIPT) and entry.details["title_before"]
    result = svc.evaluate(linked, "EARLY_HELP_FAMILY_SUPPORT", "2023..2025", bootstrap=10)
    for name in ("board.html", "board.md"):
        svc.export_evaluation(result, tmp_path / name)
        text = (tmp_path / name).read_text()
        assert "Family support" in text
        # As HTML, markup; as Markdown, a link (a Markdown viewer renders HTML and links).
        live = ("<img src=x", "<script>", 'href="javascript:')
        for raw in live if name.endswith(".html") else (*live, "[x](javascript:"):
            assert raw not in text, (name, raw)
    html = (tmp_path / "board.html").read_text()
    assert "&lt;script&gt;" in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    thin = {"too_thin": True, "title": SCRIPT, "message": SCRIPT}
    for name in ("thin.html", "thin.md"):
        svc.export_evaluation(thin, tmp_path / name)
        assert "<script" not in (tmp_path / name).read_text()
    with pytest.raises(Forbidden):
        svc.add_type(linked, SimpleNamespace(username="sw", role="SOCIAL_WORKER"), "X", "X")


def test_estimate_for_a_child_goes_through_the_gate(linked):
    with linked.connect() as c:
        person = c.execute(select(func.min(svc.cohort.linkage_record.c.person_id))).scalar()
        before = c.execute(select(func.count()).select_from(audit_entry)).scalar()
    reader = Reader.build(
        user_id="analyst1", role="SOCIAL_WORKER", agency="social_care", purpose="EARLY_HELP"
    )
    result = svc.estimate_for(linked, person, "EARLY_HELP_FAMILY_SUPPORT", reader=reader)
    assert result["person_id"] == person and "too_thin" in result and result["message"]
    assert_answered_exactly(Estimate, result)
    with linked.connect() as c:
        after = c.execute(select(func.count()).select_from(audit_entry)).scalar()
    assert after == before + 1  # the read was decided and recorded
    with pytest.raises(NotFound):
        svc.estimate_for(linked, "nobody", "EARLY_HELP_FAMILY_SUPPORT", reader=reader)


def test_import_is_idempotent_and_checks_types(engine, tmp_path):
    path = tmp_path / "interventions.csv"
    header = "intervention_id,type,agency,person_id,start_date,end_date,provider,cost_gbp\n"
    path.write_text(header + "X1,PARENTING_PROGRAMME,health,p-1,2025-01-06,2025-03-31,Hub,900\n")
    assert svc.import_interventions(engine, path)["inserted"] == 1
    again = svc.import_interventions(engine, path)
    assert again["inserted"] == 0 and again["unchanged"] == 1
    path.write_text(header + "X1,PARENTING_PROGRAMME,health,p-1,2025-01-06,2025-04-30,Hub,900\n")
    assert svc.import_interventions(engine, path)["updated"] == 1
    path.write_text(header + "X2,KNITTING,health,p-1,2025-01-06,,Hub,\n")
    with pytest.raises(BadInput, match="unknown type"):
        svc.import_interventions(engine, path)
    added = svc.add_type(engine, ANALYST, "knitting", "Knitting circle")
    assert added["code"] == "KNITTING"
    assert svc.import_interventions(engine, path)["inserted"] == 1
    assert {"KNITTING", "EARLY_HELP_FAMILY_SUPPORT"} <= {t["code"] for t in svc.list_types(engine)}
    with pytest.raises(NotFound):
        svc.evaluate(engine, "NO_SUCH_TYPE")
