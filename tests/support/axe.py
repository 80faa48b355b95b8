"""axe-core in the browser tests: the vendored ``axe.min.js`` (see ``vendor/axe-core``) is
evaluated in the page (through the DevTools protocol, which the pages' Content-Security-Policy
does not govern) and run against the WCAG 2.2 A and AA rules and axe's best practices."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("serious", "critical")  # impacts a page must not have; moderate and minor are reported


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]  # CSS selectors of the offending elements (at most three kept)

    def __str__(self) -> str:
        return f"{self.impact} {self.rule}: {self.help} at {', '.join(self.targets)}"


@cache
def source() -> str:
    return AXE.read_text(encoding="utf-8")


def violations(page: Any) -> list[Violation]:
    """Every axe violation on the page as it now stands."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source() + "\n;undefined")
    found = page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return results.violations.map(v => ({
                rule: v.id, impact: v.impact || 'minor', help: v.help,
                targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""",
        TAGS,
    )
    return [Violation(v["rule"], v["impact"], v["help"], tuple(v["targets"])) for v in found]
