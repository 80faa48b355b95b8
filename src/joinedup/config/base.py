"""What every group of settings shares: how a variable is declared, and the one error a bad
value becomes.

A setting is a field declared with ``variable(NAME, default, help)``: the environment
variable it is read from (its validation alias), its default, and its help text (markdown,
shown in the README's table, which is generated from these declarations). Fields of secrets
are declared ``secret=True``: left out of ``repr`` and never echoed in an error message.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from joinedup.errors import BadInput

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class ConfigError(BadInput, ValueError):
    """A setting has a value the platform cannot use, or one that is unsafe where it runs.
    The message is one line naming the variable (the CLI prints it without a traceback).
    Also a ``ValueError``: a bad value, as the callers that read a setting expected."""


class Group(BaseModel):
    """A group of settings, validated from their variables' names (or the field names, for
    tests and callers that build one directly)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")


def variable(
    name: str,
    default: Any = None,
    help: str = "",  # noqa: A002 - what the README's table calls it
    *,
    shown: str | None = None,
    secret: bool = False,
    verbatim: bool = False,
    **constraints: Any,
) -> Any:
    """A field read from the environment variable ``name``. ``shown`` is the default as the
    README describes it, when the value alone would not say (e.g. "unset: no email").
    ``verbatim``: the value as given, blanks and all (a password)."""
    extra: dict[str, Any] = {"shown": shown, "secret": secret, "verbatim": verbatim}
    return Field(
        default,
        validation_alias=name,
        description=help,
        repr=not secret,
        json_schema_extra=extra,
        **constraints,
    )


def is_secret(field: Any) -> bool:
    return bool((field.json_schema_extra or {}).get("secret"))


def cleaned(raw: str | None, field: Any) -> str | None:
    """A value as read: surrounding blanks dropped and a blank value counted as unset, as
    every variable always was, but a verbatim one's (twelve spaces are a password, refused
    as a weak one, not a reason to ask for another)."""
    if raw is None or (field.json_schema_extra or {}).get("verbatim"):
        return raw or None
    return raw.strip() or None


def one_line(error: ValidationError, secrets: set[str]) -> ConfigError:
    """The validation errors as one line, each naming its variable; the value is quoted
    unless it is a secret's."""
    parts = []
    for problem in error.errors():
        names = [str(part) for part in problem["loc"] if str(part).isupper()]
        message = str(problem["msg"]).removeprefix("Value error, ")
        if not names:  # a rule across variables: its message names them
            parts.append(message)
            continue
        if message[1:2].islower():  # pydantic's "Input should be..." (not "OIDC needs...")
            message = message[:1].lower() + message[1:]
        # joinedup's own checks say what they got; pydantic's are told the value
        own = problem["type"] == "value_error"
        shown = "" if own or names[-1] in secrets else f", not {problem['input']!r}"
        parts.append(f"{names[-1]}: {message}{shown}")
    return ConfigError("; ".join(parts))


def pairs(value: Any, what: str) -> Any:
    """``a=b, c=d`` as a dict (``what`` names the parts in the error); a dict passes."""
    if not isinstance(value, str):
        return value
    found: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        key, sep, target = item.partition("=")
        if not sep or not key.strip() or not target.strip():
            raise ValueError(f"{item!r} is not {what}")
        found[key.strip()] = target.strip()
    return found
