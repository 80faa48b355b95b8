"""One settings object: every environment variable joinedup reads, with its type, default,
validation and help, in groups (``settings().web.concurrency``, ``settings().alerts...``).

No other module reads the environment (``tests/unit/test_environment_reads.py`` fails if one
does): they call ``settings()``. A bad value is a ``ConfigError``, one line naming the
variable, which the CLI prints without a traceback.

``settings()`` is cheap enough to call per request or per audit entry (about 2 µs): it looks
up each variable's value and parses only a combination of values it has not seen, so a value
set later (``monkeypatch.setenv`` in a test, ``CliRunner(env=...)``, a benchmark setting
``os.environ``) is seen at the next call, with no cache to reset.

``JOINEDUP_ENV=production`` refuses to start the web app, ``joinedup serve`` and the alerts
worker with a default or value that is only safe on a developer's machine
(``config.production``).

The README's configuration table is generated from these declarations
(``config.reference``; ``cog -r README.md``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Literal, TypeVar

from pydantic import Field, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from joinedup.config.alerts import AlertSettings
from joinedup.config.base import ConfigError, Group, cleaned, is_secret, one_line, variable
from joinedup.config.exchange import ExchangeSettings
from joinedup.config.groups import (
    DEFAULT_SQLITE_FILE,
    AccountSettings,
    AuditSettings,
    IngestSettings,
    LinkageSettings,
    OidcConfig,
    RetentionSettings,
    StoreSettings,
    VolumeLimits,
    WebSettings,
)
from joinedup.config.mash import MashSettings
from joinedup.config.production import refuse
from joinedup.config.receiving import MeshSettings

__all__ = [
    "DEFAULT_SQLITE_FILE",
    "AlertSettings",
    "ConfigError",
    "Settings",
    "VolumeLimits",
    "alert_settings",
    "read_group",
    "refuse_unsafe_defaults",
    "settings",
    "use_in_this_process",
    "variables",
    "volume_limits",
]

G = TypeVar("G", bound=Group)


class Settings(BaseSettings):
    """Every setting; each group's fields name their variables (``config.groups``)."""

    model_config = SettingsConfigDict(frozen=True, populate_by_name=True)

    environment: Literal["development", "production"] = variable(
        "JOINEDUP_ENV",
        "development",
        "`production` refuses to start the web app, `joinedup serve` and the alerts worker "
        "with a setting only safe on a developer's machine (see below)",
        shown="`development`",
    )
    store: StoreSettings = Field(default_factory=StoreSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    accounts: AccountSettings = Field(default_factory=AccountSettings)
    oidc: OidcConfig = Field(default_factory=OidcConfig)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    limits: VolumeLimits = Field(default_factory=VolumeLimits)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    linkage: LinkageSettings = Field(default_factory=LinkageSettings)
    mesh: MeshSettings = Field(default_factory=MeshSettings)
    mash: MashSettings = Field(default_factory=MashSettings)
    exchange: ExchangeSettings = Field(default_factory=ExchangeSettings)

    @property
    def database_url(self) -> str:
        """The store's URL (the setting nearly every command needs)."""
        return self.store.url

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Arguments first (tests), then the environment by each variable's own flat name. No
        # .env file and no secrets folder: a deployment sets variables, as it always did.
        return (init_settings, FlatEnvironment(settings_cls))


class FlatEnvironment(PydanticBaseSettingsSource):
    """The variables under their own names (``JOINEDUP_WEB_CONCURRENCY``, not a nested
    ``JOINEDUP_WEB__CONCURRENCY``), put into their groups; blank counts as unset."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads every group at once

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for group, name, field in variables():
            value = cleaned(os.environ.get(name), field)
            if value is None:
                continue
            if group:
                found.setdefault(group, {})[name] = value
            else:
                found[name] = value
        return found


@lru_cache(maxsize=1)
def variables() -> tuple[tuple[str, str, FieldInfo], ...]:
    """Every variable as (its group's field in ``Settings``, or "" at the top; its name;
    its field), in declaration order."""
    found: list[tuple[str, str, FieldInfo]] = []
    for group_name, field in Settings.model_fields.items():
        group = field.annotation
        if isinstance(group, type) and issubclass(group, Group):
            found += [(group_name, str(f.validation_alias), f) for f in group.model_fields.values()]
        else:
            found.append(("", str(field.validation_alias), field))
    return tuple(found)


@lru_cache(maxsize=1)
def _secrets() -> set[str]:
    return {name for _group, name, field in variables() if is_secret(field)}


@lru_cache(maxsize=1)
def _lookup() -> Callable[[], tuple[Any, ...]]:
    """The variables' current values, as fast as they can be had. ``os.environ`` keeps them
    encoded in a dict of its own (``_data``, CPython's since ``os`` was written): looking the
    50 names up there takes about 1 µs, through ``os.environ.get`` about 40 µs (each call
    encodes the name and decodes the value), and the audit log asks for its checkpoint
    interval at every append. Anywhere that dict is missing, the public way."""
    names = tuple(name for _group, name, _field in variables())
    data, encode = getattr(os.environ, "_data", None), getattr(os.environ, "encodekey", None)
    if isinstance(data, dict) and callable(encode):
        keys = tuple(map(encode, names))
        return lambda: tuple(map(data.get, keys))
    return lambda: tuple(map(os.environ.get, names))


@lru_cache(maxsize=8)
def _parsed(values: tuple[str | None, ...]) -> Settings:
    """The settings for one combination of the variables' values (the cache key; the
    values themselves are read again by ``FlatEnvironment``, a moment later)."""
    try:
        return Settings()
    except ValidationError as error:
        raise one_line(error, _secrets()) from None


def settings() -> Settings:
    """The settings, as the environment has them now (see the module docstring)."""
    return _parsed(_lookup()())


@contextmanager
def use_in_this_process(values: Mapping[str, str]) -> Iterator[None]:
    """Set variables for this process and the threads it starts until the block ends, read
    back by ``settings()`` like any other value (``joinedup demo`` points the alerts' SMTP
    relay at its own mail sink); then put back as they were. A bad value is refused at
    once, and nothing is left set."""
    unknown = set(values) - {name for _group, name, _field in variables()}
    if unknown:
        raise ValueError(f"not joinedup settings: {', '.join(sorted(unknown))}")
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        settings()
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def read_group(group: type[G], values: Mapping[str, str]) -> G:
    """One group from variables given as a mapping rather than the environment (tests, and
    callers checking a candidate configuration), read and refused as ``settings()`` would."""
    fields = {str(field.validation_alias): field for field in group.model_fields.values()}
    given = {name: cleaned(raw, fields[name]) for name, raw in values.items() if name in fields}
    try:
        return group.model_validate({k: v for k, v in given.items() if v is not None})
    except ValidationError as error:
        raise one_line(error, _secrets()) from None


def alert_settings() -> AlertSettings:
    return settings().alerts


def volume_limits() -> VolumeLimits:
    return settings().limits


def refuse_unsafe_defaults(current: Settings | None = None) -> None:
    """``ConfigError`` naming every unsafe setting, when ``JOINEDUP_ENV=production``."""
    refuse(current or settings())
