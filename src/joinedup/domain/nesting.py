"""How deeply a parsed document nests, asked without recursion, and the one way a document
nested too deeply is said.

A JSON or YAML parser recurses: past the process's recursion limit it raises
``RecursionError``; within it, it returns the value. Which of the two happens for a given
document depends on the limit (another library may have raised it), so every reader of
untrusted input says both outcomes the same way: ``is nested deeper than 64 levels``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import yaml

S = TypeVar("S")
T = TypeVar("T")

MAX_NESTING = 64  # levels of objects/arrays (mappings/sequences) any document may hold
TOO_DEEP = f"is nested deeper than {MAX_NESTING} levels"


def deeper_than(value: Any, levels: int = MAX_NESTING) -> bool:
    """True when ``value`` (dicts and lists, as a parser returns them) nests more than
    ``levels`` deep; iterative, so it works whatever the depth and recursion limit."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > levels:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class NestedTooDeep(ValueError):
    """A document nested deeper than ``MAX_NESTING``: its message is ``TOO_DEEP``. A
    ``ValueError``, as the parsers' own errors for a bad document are."""

    def __init__(self) -> None:
        super().__init__(TOO_DEEP)


def bounded(load: Callable[[S], T], source: S) -> T:
    """``load(source)`` (``json.loads``, ``yaml.safe_load``, ...), refusing a document
    nested deeper than ``MAX_NESTING`` with ``NestedTooDeep``, the same whether the parser
    ran out of recursion or returned it."""
    try:
        value = load(source)
    except RecursionError:
        raise NestedTooDeep from None
    if deeper_than(value):
        raise NestedTooDeep
    return value


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing nesting past ``MAX_NESTING`` as it composes: the
    parser reads lazily, so a hostile document is read no deeper than that (PyYAML takes time
    quadratic in the depth: 20 s for 3,000 levels, with the recursion limit raised)."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise NestedTooDeep
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def yaml_documents(text: str) -> list[Any]:
    """Every document of ``text`` as ``yaml.safe_load_all`` reads them; ``NestedTooDeep``
    for one nested deeper than ``MAX_NESTING``, ``yaml.YAMLError`` for bad YAML."""
    loader = _BoundedLoader(text)
    try:
        documents = []
        while loader.check_data():
            documents.append(loader.get_data())
        return documents
    finally:
        loader.dispose()


def yaml_document(text: str) -> Any:
    """The one document of ``text`` as ``yaml.safe_load`` reads it (None when empty),
    bounded as ``yaml_documents``."""
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
