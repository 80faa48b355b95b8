"""Running code as a process that raised its recursion limit would (another library may
have): what a reader says of a deeply nested document must not change with it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
RAISED = 50_000


@contextmanager
def raised_recursion_limit(limit: int = RAISED) -> Iterator[None]:
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


def under_both_limits(read: Callable[[], T]) -> tuple[T, T]:
    """``read()`` under this process's recursion limit, then under a raised one."""
    low = read()
    with raised_recursion_limit():
        return low, read()
