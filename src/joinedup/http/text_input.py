"""Every request's text is text the store can keep: checked once for every route (an app
dependency), so a new route or field is covered without doing anything.

Refused with 400, naming the field:
- a lone surrogate (JSON's ``"\\ud800"``, or a multipart part in a charset that makes one):
  not Unicode text; writing it raised UnicodeEncodeError deep in the database driver (500).
- a NUL character: PostgreSQL's text cannot hold it (an error deep in the driver, 500).
- in a JSON body, a number that is not finite (``1e999``, ``NaN``, ``Infinity``): Python
  reads them as floats no JSON answer can carry (a validation error showing one back
  failed to serialise and dropped the connection).
A body that is not JSON at all is FastAPI's to refuse (a 400 or a validation error).
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request

from joinedup.domain.nesting import TOO_DEEP, deeper_than
from joinedup.errors import BadInput

JSON_TYPES = ("application/json",)


def text_problem(value: str) -> str | None:
    """What makes ``value`` unfit to keep, or None."""
    if "\x00" in value:
        return "holds a NUL character, which is not allowed"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode text (it holds a lone surrogate)"
    return None


def _name(path: tuple[Any, ...]) -> str:
    # Field names only (each cut short): a value is never shown back.
    return ".".join(["body", *(str(p)[:40] for p in path)])


def json_problem(document: Any) -> str | None:
    """The first unfit string or number in a parsed JSON document (walked without
    recursion: a deeply nested document must not exhaust the stack)."""
    waiting: list[tuple[tuple[Any, ...], Any]] = [((), document)]
    while waiting:
        path, value = waiting.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                return f"{_name(path)} {problem}"
        elif isinstance(value, float) and not math.isfinite(value):
            return f"{_name(path)} is not a finite number"
        elif isinstance(value, dict):
            for key, item in value.items():
                if text_problem(key):
                    return f"a field name in {_name(path)} is not valid text"
                waiting.append(((*path, key), item))
        elif isinstance(value, list):
            waiting.extend(((*path, i), item) for i, item in enumerate(value))
    return None


def _is_json(content_type: str) -> bool:
    main = content_type.split(";", 1)[0].strip().lower()
    return main in JSON_TYPES or (main.startswith("application/") and main.endswith("+json"))


async def text_only(request: Request) -> None:
    """The app dependency: the path, the query, a form's fields and a JSON body."""
    fields: list[tuple[str, Any]] = [
        *((f"path.{k}", v) for k, v in request.path_params.items()),
        *((f"query.{k}", v) for k, v in request.query_params.multi_items()),
    ]
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        fields += [(f"form.{k}", v) for k, v in form.multi_items()]
    for name, value in fields:
        if not isinstance(value, str):
            continue  # an uploaded file: none of the routes takes one
        if text_problem(name):
            raise BadInput("a field's name is not valid text")
        problem = text_problem(value)
        if problem:
            raise BadInput(f"{name[:60]} {problem}")
    if _is_json(content_type) and await request.body():
        try:
            document = await request.json()
        except RecursionError:  # said as a document the parser could read (domain.nesting)
            raise BadInput(f"the body {TOO_DEEP}") from None
        except ValueError:
            raise BadInput("the body is not valid JSON") from None
        if deeper_than(document):
            raise BadInput(f"the body {TOO_DEEP}")
        problem = json_problem(document)
        if problem:
            raise BadInput(problem)
