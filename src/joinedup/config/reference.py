"""The README's configuration tables, generated from the settings' declarations: every
variable, what it is for and its default. ``cog -r README.md`` writes them (the README holds
the cog block that calls ``markdown()``); ``tests/unit/test_settings.py`` fails when the
README differs from what this generates."""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticUndefined

from joinedup.config import variables

TITLES = {
    "": "Deployment",
    "store": "Store",
    "web": "Web app and API",
    "accounts": "Accounts",
    "oidc": "Sign-in through an identity provider (OIDC, [docs/web.md](docs/web.md))",
    "audit": "Audit log ([docs/audit.md](docs/audit.md))",
    "retention": "Retention ([docs/audit.md](docs/audit.md))",
    "limits": "Volume limits ([docs/governance.md](docs/governance.md#search))",
    "alerts": "Alerts ([docs/alerts.md](docs/alerts.md))",
    "ingest": "Ingest",
    "linkage": "Linkage",
    "mash": "The MASH ([docs/governance.md](docs/governance.md#the-mash-case))",
    "exchange": "Exchange between partnerships ([docs/exchange.md](docs/exchange.md))",
}


def default_text(field: Any) -> str:
    shown = (field.json_schema_extra or {}).get("shown")
    if shown:
        return str(shown)
    default = field.get_default(call_default_factory=True)
    if default is None or default is PydanticUndefined:
        return "unset"
    if isinstance(default, bool):
        return "`1`" if default else "`0`"
    if default in ({}, ()):
        return "none"
    return f"`{default}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def markdown() -> str:
    """One table per group of settings, each variable a row, in declaration order."""
    lines: list[str] = []
    current = None
    for group, name, field in variables():
        if group != current:
            current = group
            if lines:
                lines.append("")
            lines += [
                f"**{TITLES.get(group, group)}**",
                "",
                "| variable | meaning | default |",
                "| --- | --- | --- |",
            ]
        meaning = _cell(field.description or "")
        lines.append(f"| `{name}` | {meaning} | {_cell(default_text(field))} |")
    return "\n".join(lines) + "\n"
