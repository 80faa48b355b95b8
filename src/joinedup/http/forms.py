"""A form's errors, shown as the GOV.UK Design System shows them: an error summary at the top
of the page whose items link to the fields (``href="#field-id"``), the same message on each
field, the input kept, "Error: " before the page's title, and the page answered 400 or 422
with the form, never a generic error page.

A page collects what is wrong in a ``FormErrors`` (field id -> message, in the order the
fields come) and renders its template with it as ``errors``; the template shows the summary
with ``macros/forms.html``'s ``error_summary(errors)`` and each field's message with
``errors.on("field-id")`` (the ``errorMessage`` of a govuk-frontend-jinja component) or
``field_error(errors, "field-id")`` for a field written by hand.

A service's ``BadInput`` becomes a field's message with ``FormErrors.from_problem``: the
error's own ``field`` (``errors.BadInput(..., field=...)``) or the page's choice names the
field, and the message is put in sentence case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from joinedup.errors import JoinedUpError


def in_sentence_case(message: str) -> str:
    """A message as GOV.UK writes one: a capital first letter, no full stop at the end."""
    text = " ".join(str(message).split()).rstrip(".")
    return text[:1].upper() + text[1:]


@dataclass
class FormErrors:
    """What is wrong with a form, field by field (see the module)."""

    messages: dict[str, str] = field(default_factory=dict)
    status: int = 400

    def add(self, field_id: str, message: str) -> FormErrors:
        """The field's message (the first one given stays: a field shows one message)."""
        self.messages.setdefault(field_id, in_sentence_case(message))
        return self

    def __bool__(self) -> bool:
        return bool(self.messages)

    @property
    def summary(self) -> list[dict[str, str]]:
        """The error summary's items (govukErrorSummary's ``errorList``)."""
        return [{"text": text, "href": f"#{field_id}"} for field_id, text in self.messages.items()]

    def on(self, field_id: str) -> dict[str, str] | None:
        """The field's ``errorMessage`` for a govuk-frontend-jinja component (None: none)."""
        text = self.messages.get(field_id)
        return {"text": text} if text else None

    @classmethod
    def from_problem(
        cls,
        problem: JoinedUpError,
        default_field: str,
        fields: Mapping[str, str] | None = None,
    ) -> FormErrors:
        """A service's refusal as a field's message: ``fields`` maps the error's own field
        name (a form field's name) to the field's id on the page; without one it is the
        page's ``default_field``."""
        named = getattr(problem, "field", None)
        field_id = (fields or {}).get(named, named) if named else None
        errors = cls(status=problem.http_status if 400 <= problem.http_status < 500 else 400)
        return errors.add(field_id or default_field, str(problem))


def error_title(title: str, errors: FormErrors | None) -> str:
    """The page's title, with "Error: " before it when the form has errors (GOV.UK)."""
    return f"Error: {title}" if errors else title


def with_errors(context: dict[str, Any], errors: FormErrors) -> dict[str, Any]:
    """``context`` with the form's errors and its title marked."""
    return {**context, "errors": errors, "title": error_title(context.get("title", ""), errors)}
