"""The rule of the house, checked: every read of personal data goes through a governed
service. There is no second path to the data.

1. The entry points (the CLI, the API, the web pages) never touch the personal-data tables or
   the functions that read them: they call services.
2. A service function that reads personal data (a personal-data table, or a function that
   reads one) takes the caller's identity (a ``Reader`` for casework, an account for
   record-keeping tasks) and uses it, unless it is listed below with why it returns none.

Checked on the source (``ast``), so a new module or function is covered without registering.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "joinedup"

# Tables holding personal data (people, their records, events, links, concerns, audit).
PERSONAL_TABLES = {
    "person_record", "event", "address", "involvement", "family_membership",
    "person_identifier", "source_record", "source_record_version", "quarantined_row",
    "person_link", "linkage_record", "linkage_review", "linkage_household_member",
    "linkage_family_tie", "concern", "triage_case", "audit_entry", "emergency_access",
    "risk_score", "risk_decision", "alert", "intervention", "mail_sink_message", "mash_request",
}  # fmt: skip
# Functions that read personal data and return it (module -> names).
PERSONAL_READERS = {
    "joinedup.linkage.explain": {"explain"},
    "joinedup.linkage.households": {"family"},
    "joinedup.linkage.review": {"list_open", "get", "pair_records"},
    "joinedup.linkage.records": {"read_records", "read_records_where"},
    "joinedup.ingest.quarantine": {"list_quarantined", "show_quarantined"},
    "joinedup.governance.transparency": {"build_report"},
    "joinedup.governance.audit.query": {"search", "entries_about", "entry_at"},
    "joinedup.governance.emergency": {"review_tasks"},
    "joinedup.risk.triage": {"triage_list", "explain_child"},
    "joinedup.risk.triage_decisions": {"record_triage_decision", "triage_decisions"},
}
ENTRY_POINTS = ("cli", "asgi", "api", "web", "http", "bootstrap")
# ...or, between partnerships, the agreement's terms: the caller is the partner partnership
# (its request signed), and the terms say what it may receive (services/exchange*.py).
IDENTITY_PARAMETERS = {"reader", "who", "account", "session", "terms"}
# Service functions that touch personal data but return none of it, and why.
RETURN_NO_PERSONAL_DATA = {
    "joinedup.services.link_delivery": "links new records; returns counts",
    "joinedup.services.evaluate_linkage": "compares links with synthetic truth; returns metrics",
    "joinedup.services.intervention_records.import_interventions": "loads a file; returns counts",
    "joinedup.services.mail_sink.keep": "stores an email the demo's sink took; returns its id",
    "joinedup.services.delivery_schedule.warn_late": "counts DELIVERY_LATE entries about an "
    "agency (not a person); returns the agencies newly late",
    "joinedup.services.exchange_records.encoded_children": "reads children's identifying "
    "fields only to encode them (keyed Bloom filters); returns the encodings and person ids",
    "joinedup.services.exchange_follow.follow": "asks only whether a delivery's person records "
    "are linked yet (whether any lacks a link); returns nothing",
}


def modules(*parts: str) -> Iterator[tuple[str, Path]]:
    base = PACKAGE.joinpath(*parts)
    files = [base.with_suffix(".py")] if base.with_suffix(".py").exists() else []
    files += sorted(base.rglob("*.py")) if base.is_dir() else []
    for path in files:
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(relative.parts)
        yield name.removesuffix(".__init__"), path


def personal_names(tree: ast.AST) -> dict[str, str]:
    """Names bound in the module (or function) to personal tables or readers: name -> what."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or not node.module:
            continue
        module = node.module
        for alias in node.names:
            bound = alias.asname or alias.name
            if module.startswith("joinedup.store") and alias.name in PERSONAL_TABLES:
                found[bound] = f"table {alias.name}"
            if alias.name in PERSONAL_READERS.get(module, ()):
                found[bound] = f"{module}.{alias.name}"
            if f"{module}.{alias.name}" in PERSONAL_READERS:  # the module itself
                found[bound] = f"module {module}.{alias.name}"
    return found


def used(tree: ast.AST, names: dict[str, str]) -> set[str]:
    """What of ``names`` the tree uses (a bare name, or ``module.reader`` for a module)."""
    hits = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in names:
            what = names[node.id]
            if not what.startswith("module "):
                hits.add(what)
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and names.get(node.value.id, "").startswith("module ")
        ):
            module = names[node.value.id].removeprefix("module ")
            if node.attr in PERSONAL_READERS[module]:
                hits.add(f"{module}.{node.attr}")
    return hits


@pytest.mark.parametrize(
    ("name", "path"), [m for part in ENTRY_POINTS for m in modules(part)], ids=lambda v: str(v)
)
def test_entry_points_read_personal_data_only_through_services(name: str, path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    touched = used(tree, personal_names(tree))
    assert not touched, f"{name} reads personal data directly ({sorted(touched)}): call a service"


def service_functions() -> Iterator[tuple[str, ast.FunctionDef, set[str]]]:
    for name, path in modules("services"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_names = personal_names(tree)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                names = module_names | personal_names(node)
                yield f"{name}.{node.name}", node, used(node, names)


def _helpers_reading(module_path: Path) -> dict[str, set[str]]:
    """Private helpers of a service module that read personal data (called by publics)."""
    tree = ast.parse(module_path.read_text(encoding="utf-8"))
    names = personal_names(tree)
    return {
        node.name: used(node, names | personal_names(node))
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("_")
    }


def test_every_service_that_reads_personal_data_takes_and_uses_the_callers_identity() -> None:
    problems = []
    checked = 0
    for name, path in modules("services"):
        helpers = {k: v for k, v in _helpers_reading(path).items() if v}
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_names = personal_names(tree)
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            qualified = f"{name}.{node.name}"
            reads = used(node, module_names | personal_names(node))
            calls = {
                n.func.id
                for n in ast.walk(node)
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            }
            for helper in calls & set(helpers):
                reads |= helpers[helper]
            if not reads or qualified in RETURN_NO_PERSONAL_DATA:
                continue
            checked += 1
            parameters = {a.arg for a in node.args.args + node.args.kwonlyargs}
            identity = parameters & IDENTITY_PARAMETERS
            uses_identity = any(
                isinstance(n, ast.Name) and n.id in identity for n in ast.walk(node)
            )
            if not identity or not uses_identity:
                problems.append(f"{qualified} reads {sorted(reads)} without a caller identity")
    assert checked >= 8, "the check found too few governed services: is it looking?"
    assert not problems, "\n".join(problems)


def test_the_check_itself_catches_an_ungoverned_read(tmp_path: Path) -> None:
    """A test that cannot fail is a defect: an ungoverned function is caught."""
    source = (
        "from joinedup.store.tables import person_record\n"
        "from joinedup.linkage.explain import explain\n"
        "def leak(engine, person_id):\n"
        "    return explain(engine, person_id), person_record\n"
    )
    tree = ast.parse(source)
    function = tree.body[-1]
    assert isinstance(function, ast.FunctionDef)
    assert used(function, personal_names(tree)) == {
        "table person_record",
        "joinedup.linkage.explain.explain",
    }
