"""Jinja2 for the HTML and SVG joinedup writes outside the web app's pages (charts, reports
saved to a file): every template autoescaped, a missing value an error, not an empty string.

Markup lives in each package's ``templates/`` folder, never in Python strings
(``tests/unit/test_no_html_in_python.py``).
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined


@cache
def environment(package: str) -> Environment:
    """The templates of ``package`` (its ``templates/`` folder)."""
    return Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
