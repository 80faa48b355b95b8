"""One settings object: no module but the settings (``joinedup.config``) reads the
environment. Everything else asks ``config.settings()``, so every variable has one type, one
default, one validation and a line in the README's table.

Checked on the source (``ast``): ``os.environ``, ``os.environb``, ``os.getenv``,
``os.getenvb`` and the same names imported from ``os`` (or ``posix``/``nt``), under any alias.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "joinedup"
SETTINGS = PACKAGE / "config"
READERS = {"environ", "environb", "getenv", "getenvb"}
OS_MODULES = {"os", "posix", "nt"}
# Modules that touch the environment for something that is not a setting of joinedup's.
# Modules that may touch the environment, and the one variable each may touch: Spark's own
# PYSPARK_PYTHON names the Python of the worker processes Spark starts (not a setting).
NOT_SETTINGS = {"linkage/frames.py": "PYSPARK_PYTHON"}


def environment_reads(source: str) -> list[str]:
    """Where ``source`` reaches the environment: ``line: what``."""
    tree = ast.parse(source)
    modules = set()  # names bound to the os module
    direct = set()  # names bound to os.environ / os.getenv themselves
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name in OS_MODULES}
        elif isinstance(node, ast.ImportFrom) and node.module in OS_MODULES:
            for alias in node.names:
                if alias.name in READERS:
                    direct.add(alias.asname or alias.name)
                    found.append(f"{node.lineno}: from {node.module} import {alias.name}")
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in READERS
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
        elif isinstance(node, ast.Name) and node.id in direct:
            found.append(f"{node.lineno}: {node.id}")
    return sorted(set(found), key=lambda hit: int(hit.split(":")[0]))


def modules_outside_the_settings() -> list[Path]:
    return sorted(
        path for path in PACKAGE.rglob("*.py") if SETTINGS not in path.parents and path.is_file()
    )


@pytest.mark.parametrize(
    "path", modules_outside_the_settings(), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_no_module_but_the_settings_reads_the_environment(path: Path) -> None:
    relative = str(path.relative_to(PACKAGE))
    source = path.read_text(encoding="utf-8")
    reads = environment_reads(source)
    if relative in NOT_SETTINGS:  # only the variable it is excused for, on each line it reads
        lines = source.splitlines()
        reads = [r for r in reads if NOT_SETTINGS[relative] not in lines[int(r.split(":")[0]) - 1]]
    assert not reads, (
        f"joinedup/{relative} reads the environment ({'; '.join(reads)}): declare the variable "
        "in joinedup.config (its type, default and help) and call config.settings()"
    )


def test_the_modules_excused_still_need_it() -> None:
    """An excuse outlives its reason unnoticed unless the module still touches the
    environment."""
    for relative in NOT_SETTINGS:
        assert environment_reads((PACKAGE / relative).read_text(encoding="utf-8")), relative


def test_the_settings_module_is_where_the_environment_is_read() -> None:
    """The check is looking: the one module allowed to read the environment does."""
    assert environment_reads((SETTINGS / "__init__.py").read_text(encoding="utf-8"))


def test_the_check_catches_every_way_of_reading_the_environment() -> None:
    planted = (
        "import os\n"
        "import os as system\n"
        "from os import getenv\n"
        "from os import environ as env\n"
        "a = os.environ.get('JOINEDUP_X')\n"
        "b = system.environ['JOINEDUP_Y']\n"
        "c = getenv('JOINEDUP_Z')\n"
        "d = env.get('JOINEDUP_W')\n"
        "e = os.getenv('JOINEDUP_V', '1')\n"
        "f = os.path.join('a', 'b')\n"  # not the environment
    )
    assert environment_reads(planted) == [
        "3: from os import getenv",
        "4: from os import environ",
        "5: os.environ",
        "6: system.environ",
        "7: getenv",
        "8: env",
        "9: os.getenv",
    ]
    assert environment_reads("import os\npath = os.path.join('a', 'b')\n") == []
