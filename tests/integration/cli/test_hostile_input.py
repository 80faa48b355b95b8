"""Every command given hostile input (a store that cannot be opened, a file that is a folder,
not UTF-8, or nested past any sense) says one line naming the problem, with its exit code,
never a traceback nor an "internal error". Fixed by class: each case runs over the commands
that meet it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.cli.common import INTERNAL_ERROR_EXIT

runner = CliRunner()
AS = ["--as", "steward"]

# One or more commands of every group that opens the store.
STORE_COMMANDS = [
    ["users", "list"],
    ["db", "status"],
    ["agreements", "list"],
    ["audit", "verify"],
    ["quarantine", "list", *AS],
    ["review", "list", *AS],
    ["risk", "decisions", *AS],
    ["alerts", "status"],
    ["interventions", "types"],
    ["receive", "late"],
    ["exchange", "check-overdue"],
    ["break-glass", "tasks", *AS],
    ["triage", *AS],
    ["transparency", "P-1", *AS],
    ["quality", "police"],
]


def run(args: list[str], store: str) -> tuple[int, list[str]]:
    result = runner.invoke(app, args, env={"JOINEDUP_DATABASE_URL": store})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code != INTERNAL_ERROR_EXIT, result.output
    assert "Traceback" not in result.output
    return result.exit_code, lines


def only_line(args: list[str], store: str) -> tuple[int, str]:
    code, lines = run(args, store)
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return code, lines[0]


def stores(tmp_path: Path) -> dict[str, tuple[str, int, str]]:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    return {
        "a folder": (
            f"sqlite:///{folder}",
            2,
            f"error: the store {folder} is a folder: JOINEDUP_DATABASE_URL names a SQLite file",
        ),
        "in a folder that is not there": (
            f"sqlite:///{tmp_path / 'nowhere' / 'store.db'}",
            10,
            "error: cannot open the store (JOINEDUP_DATABASE_URL): unable to open database file",
        ),
        "a server that refuses": (
            "postgresql://nobody:secret@127.0.0.1:1/store",
            10,
            "error: cannot open the store (JOINEDUP_DATABASE_URL): connection failed: ",
        ),
        "not a URL": (
            "postgres ql://nobody:secret@host/store",
            2,
            "error: JOINEDUP_DATABASE_URL is not a database URL: use sqlite:///path/to/store.db "
            "or postgresql://user@host/database",
        ),
    }


@pytest.mark.parametrize("kind", ["a folder", "in a folder that is not there",
                                  "a server that refuses", "not a URL"])  # fmt: skip
@pytest.mark.parametrize("command", STORE_COMMANDS, ids=" ".join)
def test_a_store_that_cannot_be_opened_is_one_line(
    tmp_path: Path, kind: str, command: list[str]
) -> None:
    store, exit_code, said = stores(tmp_path)[kind]
    code, line = only_line(command, store)
    assert line.startswith(said), line
    assert code == exit_code
    assert "secret" not in line


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "folder"
    folder.mkdir()
    not_utf8 = tmp_path / "latin1.yaml"
    not_utf8.write_bytes("name: Zo\u00eb\n".encode("latin-1") + b"\xff\xfe\x00" * 20)
    deep = tmp_path / "deep.yaml"
    deep.write_text("rules: " + "[" * 3_000 + "]" * 3_000 + "\n", encoding="utf-8")
    return {"folder": folder, "not UTF-8": not_utf8, "deep": deep}


FILE_COMMANDS = {
    "agreements load": (["agreements", "load", "{}"], 6),
    "agreements check": (["agreements", "load", "--check", "{}"], 6),
    "retention rules": (["retention", "rules", "--rules", "{}"], 2),
    "interventions import": (["interventions", "import", "{}"], 2),
}
SAID = {
    "not UTF-8": "is not UTF-8 text",
    "deep": "is nested deeper than 64 levels",
}


# A CSV file does not nest, so interventions import is checked for text only.
CASES = [
    (command, problem)
    for command in FILE_COMMANDS
    for problem in ("not UTF-8", "deep")
    if not (command == "interventions import" and problem == "deep")
]


@pytest.mark.parametrize(("command", "problem"), CASES)
def test_a_file_that_is_not_text_or_nests_too_deeply_is_one_line(
    tmp_path: Path, files: dict[str, Path], problem: str, command: str
) -> None:
    args, _ = FILE_COMMANDS[command]
    path = files[problem]
    _, lines = run([a.format(path) for a in args], f"sqlite:///{tmp_path / 'store.db'}")
    assert any(str(path.name) in line and SAID[problem] in line for line in lines), lines


def test_a_key_pair_written_into_a_file_rather_than_a_folder(tmp_path: Path) -> None:
    file = tmp_path / "keys"
    file.write_text("", encoding="utf-8")
    code, line = only_line(
        ["receive", "keys", "new", "police", "--out", str(file)],
        f"sqlite:///{tmp_path / 'store.db'}",
    )
    assert line == f"error: --out {file} is a file, not a folder"
    assert code == 2
