"""HTML and SVG are written only by Jinja2 templates (autoescaped), never built in Python
strings, where one forgotten ``escape`` puts a delivered value into a page as markup.

Checked on the source (``ast``): every string literal in ``src/`` (f-string parts included,
docstrings excepted) that holds an HTML or SVG tag fails, with where it is.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
ELEMENTS = (  # HTML and SVG elements a page or a chart would use
    "a|abbr|b|body|br|button|caption|circle|code|col|dd|details|div|dl|dt|em|figure|footer|"
    "form|g|h1|h2|h3|h4|h5|h6|head|header|hr|html|i|img|input|label|li|line|link|main|meta|"
    "nav|ol|option|p|path|polygon|polyline|pre|rect|script|section|select|small|span|strong|"
    "style|summary|svg|table|tbody|td|text|textarea|tfoot|th|thead|title|tr|tspan|u|ul"
)
TAG = re.compile(rf"<(?:!doctype\b|/?(?:{ELEMENTS})(?=[\s/>]))", re.IGNORECASE)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def markup_in(source: str) -> list[tuple[int, str]]:
    """(line, tag) of each HTML or SVG tag in a string literal of ``source``."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            found += [(node.lineno, m.group(0)) for m in TAG.finditer(node.value)]
    return sorted(found)


def test_no_module_builds_html_in_python_strings() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{line}: {tag}"
        for path in sorted(SRC.rglob("*.py"))
        for line, tag in markup_in(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_check_finds_tags_in_strings_and_f_strings_but_not_in_prose() -> None:
    source = '''
"""A module that mentions <svg> in its docstring: prose, allowed."""
page = "<!DOCTYPE html>"
row = f'<td class="n">{value}</td>'
bar = "<rect x='1'/>"
closing = "</svg>"
def f():
    """Returns <p> text."""
    return "<p>" + x
'''
    assert markup_in(source) == [
        (3, "<!DOCTYPE"),
        (4, "</td"),
        (4, "<td"),
        (5, "<rect"),
        (6, "</svg"),
        (9, "<p"),
    ]
    for fine in (
        '"<id>"',
        '"<agency>.<item>"',
        '"a < b and c > d"',
        '"<t>"',
        '"<String>"',
        '"<email>"',
        '"<pathname>"',
        '"list[<text_like>]"',
        "'x <= y'",
    ):
        assert markup_in(fine) == [], fine
