"""The synthetic generator is a development tool, installed with the ``synth`` extra: nothing
in the platform imports it except the commands that run it (``joinedup synth`` and ``joinedup
demo``), so a production install needs none of its dependencies.

Checked on the source (``ast``): every ``import``, ``from ... import`` (relative ones resolved)
and ``importlib.import_module("...")`` with a literal name.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
SYNTH = "joinedup.synth"
# The CLI commands that run the generator, wherever the CLI keeps its command modules.
COMMANDS = {"synth", "demo"}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module name the source imports (``from a import b`` gives ``a`` and ``a.b``)."""
    package = module if is_package else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return names


def imports_synth(source: str, module: str, is_package: bool = False) -> bool:
    return any(
        name == SYNTH or name.startswith(SYNTH + ".")
        for name in imported_modules(source, module, is_package)
    )


def may_import_synth(module: str) -> bool:
    parts = module.split(".")
    return (
        module == SYNTH
        or module.startswith(SYNTH + ".")
        or (parts[:2] == ["joinedup", "cli"] and parts[-1] in COMMANDS)
    )


def test_nothing_outside_the_generator_and_its_commands_imports_it() -> None:
    offenders = []
    for path in sorted((SRC / "joinedup").rglob("*.py")):
        module = module_name(path)
        source = path.read_text(encoding="utf-8")
        if not may_import_synth(module) and imports_synth(
            source, module, path.name == "__init__.py"
        ):
            offenders.append(module)
    assert offenders == []


def test_the_check_sees_every_way_of_importing_it() -> None:
    at = "joinedup.risk.deprivation"
    for source in (
        "import joinedup.synth",
        "import joinedup.synth.geography as g",
        "from joinedup.synth.geography import build_geography",
        "from joinedup import synth",
        "from .. import synth",
        "from ..synth.geography import build_geography",
        "def f():\n    from joinedup.synth import generate_partnership",
        "import importlib\nimportlib.import_module('joinedup.synth.geography')",
    ):
        assert imports_synth(source, at), source
    assert imports_synth("from . import geography", "joinedup.synth", is_package=True)
    for source in (
        "import joinedup.synthesis",
        "from joinedup.risk import synth_like",
        "from . import synth",  # joinedup.risk.synth, not the generator
        "from joinedup.ingest.feed_writer import Delivery",
    ):
        assert not imports_synth(source, at), source


def test_only_the_generator_and_the_commands_that_run_it_may() -> None:
    assert may_import_synth("joinedup.synth.partnership")
    assert may_import_synth("joinedup.cli.synth") and may_import_synth("joinedup.cli.demo")
    assert may_import_synth("joinedup.cli.commands.demo")
    for module in ("joinedup.risk.deprivation", "joinedup.alerts.replay_slices", "joinedup.cli"):
        assert not may_import_synth(module)
    assert module_name(SRC / "joinedup" / "synth" / "__init__.py") == SYNTH
