"""axe-core in the browser tests: the vendored ``axe.min.js`` (see ``vendor/axe-core``) is
evaluated in the page (through the DevTools protocol, which the pages' Content-Security-Policy
does not govern) and run against the WCAG 2.2 A and AA rules and axe's best practices. Text
the same colour as its background, which axe leaves for a person to review, counts as a
serious colour-contrast violation."""

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
            const found = results.violations.map(v => ({
                rule: v.id, impact: v.impact || 'minor', help: v.help,
                targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
            // axe leaves text of its background's very colour "to review" (it may be a
            // visually hidden trick); on these pages it is text nobody can read.
            const invisible = results.incomplete
                .filter(v => v.id === 'color-contrast')
                .flatMap(v => v.nodes)
                .filter(n => n.any.some(c => c.data && c.data.messageKey === 'equalRatio'));
            if (invisible.length) found.push({
                rule: 'color-contrast', impact: 'serious',
                help: 'Text must not be the same colour as its background (1:1)',
                targets: invisible.slice(0, 3).map(n => n.target.join(' '))});
            return found;
        }""",
        TAGS,
    )
    return [Violation(v["rule"], v["impact"], v["help"], tuple(v["targets"])) for v in found]
