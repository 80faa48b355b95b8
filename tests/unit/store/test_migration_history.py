"""The migration history is one line: one base, one head, each revision on the one before.

Two heads (two engineers each adding a revision on the same parent) would let ``joinedup db
upgrade`` apply them in an undefined order, which is what the per-capability branches did
until ``0049_base``. The fix for a failure here is to put your revision on top of the
current head (``down_revision``), never a merge revision.
"""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from joinedup.store.migrate import MIGRATIONS


def history_problems(location: Path) -> list[str]:
    """What stops the revisions under ``location`` being one line, in words."""
    config = Config()
    config.set_main_option("script_location", str(location))
    script = ScriptDirectory.from_config(config)
    problems = []
    heads, bases = script.get_heads(), script.get_bases()
    if len(heads) != 1:
        problems.append(f"{len(heads)} heads: {', '.join(sorted(heads))}")
    if len(bases) != 1:
        problems.append(f"{len(bases)} bases: {', '.join(sorted(bases))}")
    for revision in script.walk_revisions():
        name = revision.revision
        if revision.is_branch_point:
            children = ", ".join(sorted(revision.nextrev))
            problems.append(f"{name} is the parent of several revisions ({children})")
        if revision.is_merge_point:
            problems.append(f"{name} merges {', '.join(revision._all_down_revisions)}")
        if revision.dependencies:
            problems.append(f"{name} depends_on {revision.dependencies}")
        if revision._orig_branch_labels:  # declared here (Alembic copies labels down a branch)
            problems.append(f"{name} has branch labels {sorted(revision._orig_branch_labels)}")
    return problems


def test_the_shipped_history_is_one_line() -> None:
    assert history_problems(MIGRATIONS) == []


def _revision(folder: Path, name: str, down: str | tuple[str, ...] | None, **extra: str) -> None:
    lines = [f"revision = {name!r}", f"down_revision = {down!r}"]
    lines += [f"{key} = {value}" for key, value in extra.items()]
    lines += ["def upgrade():\n    pass", "def downgrade():\n    pass"]
    (folder / f"{name}.py").write_text("\n".join(lines) + "\n")


def _history(tmp_path: Path) -> Path:
    (tmp_path / "versions").mkdir()
    (tmp_path / "env.py").write_text("")
    return tmp_path


def test_a_line_passes_and_a_branch_a_merge_a_dependency_and_a_label_are_caught(
    tmp_path: Path,
) -> None:
    location = _history(tmp_path)
    versions = location / "versions"
    _revision(versions, "a", None)
    _revision(versions, "b", "a")
    _revision(versions, "c", "b")
    assert history_problems(location) == []

    _revision(versions, "d", "b")  # a second child of b: two heads
    problems = history_problems(location)
    assert "2 heads: c, d" in problems
    assert "b is the parent of several revisions (c, d)" in problems

    _revision(versions, "e", ("c", "d"))  # merged again: one head, but not a line
    problems = history_problems(location)
    assert not any("heads" in p for p in problems)
    assert "e merges c, d" in problems

    (versions / "e.py").unlink()
    (versions / "d.py").unlink()
    _revision(versions, "f", "c", depends_on="'a'", branch_labels="('mine',)")
    assert history_problems(location) == ["f depends_on a", "f has branch labels ['mine']"]
