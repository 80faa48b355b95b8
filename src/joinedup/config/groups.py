"""The groups of settings but the alerts' (``config.alerts``): the store, the web app,
accounts and OIDC, the audit log, retention, the governance volume limits, ingest and
linkage. Each field names its variable, its default and what it is for (see ``base``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import field_validator, model_validator

from joinedup.config.base import Group, pairs, variable

DEFAULT_SQLITE_FILE = "joinedup.db"


class StoreSettings(Group):
    database_url: str | None = variable(
        "JOINEDUP_DATABASE_URL",
        help="SQLAlchemy URL of the store (`sqlite:///...` or `postgresql://...`; a new SQLite "
        "file is made 0600)",
        shown="`sqlite:///./joinedup.db`",
        secret=True,  # it may carry the database's password
    )

    @property
    def url(self) -> str:
        """The configured URL, else a SQLite file in the current directory (the embedded
        default; the directory is looked up now, not when the settings were read)."""
        return self.database_url or f"sqlite:///{Path.cwd() / DEFAULT_SQLITE_FILE}"


class WebSettings(Group):
    concurrency: int = variable(
        "JOINEDUP_WEB_CONCURRENCY",
        2,
        "requests each server process handles at once; the rest queue "
        "([docs/web.md](docs/web.md#under-load))",
        ge=1,
    )
    max_body_bytes: int = variable(
        "JOINEDUP_WEB_MAX_BODY_BYTES",
        1024 * 1024,
        "the largest request body the web app and API take; a larger one is refused with 413 "
        "before it is read ([docs/web.md](docs/web.md#bad-input))",
        shown="`1048576` (1 MiB)",
        ge=1,
    )
    secret_key: str | None = variable(
        "JOINEDUP_SECRET_KEY",
        help="signs the short-lived OIDC state cookie (sessions are random tokens in the "
        "store); production needs one of 32 characters or more, the same for every process",
        shown="random per start",
        secret=True,
        verbatim=True,
    )
    cookie_secure: bool = variable(
        "JOINEDUP_COOKIE_SECURE",
        True,
        "`0` lets session cookies travel over plain http (tests, benchmarks; refused in "
        "production)",
        shown="`1`",
    )


class AccountSettings(Group):
    new_password: str | None = variable(
        "JOINEDUP_NEW_PASSWORD",
        help="the password `joinedup users add` and `users set-password` give, instead of "
        "asking (for scripts: never an argument, which the shell's history would keep)",
        shown="unset: asked for",
        secret=True,
        verbatim=True,
    )


def _oidc(name: str, help: str, default: Any = None, **more: Any) -> Any:  # noqa: A002
    return variable(f"JOINEDUP_OIDC_{name}", default, help, **more)


class OidcConfig(Group):
    """Sign-in through an identity provider ([docs/web.md](docs/web.md)); off without an
    issuer. Role and agency names are checked where they are used (``accounts.oidc``)."""

    issuer: str | None = _oidc(
        "ISSUER", "the identity provider's issuer URL, https (turns OIDC on)", shown="off"
    )
    client_id: str | None = _oidc(
        "CLIENT_ID", "this service's client id at the provider (needed with an issuer)"
    )
    client_secret: str | None = _oidc(
        "CLIENT_SECRET", "its client secret (needed with an issuer)", secret=True
    )
    authorization_endpoint: str | None = _oidc(
        "AUTHORIZATION_ENDPOINT", "the provider's authorization endpoint", shown="discovered"
    )
    token_endpoint: str | None = _oidc(
        "TOKEN_ENDPOINT", "the provider's token endpoint", shown="discovered"
    )
    jwks_uri: str | None = _oidc(
        "JWKS_URI",
        "the provider's signing keys (unset endpoints are read from the issuer's "
        "`/.well-known/openid-configuration` at the first sign-in)",
        shown="discovered",
    )
    redirect_uri: str | None = _oidc(
        "REDIRECT_URI",
        "the callback URL registered at the provider",
        shown="this site's `/auth/oidc/callback`",
    )
    scope: str = _oidc("SCOPE", "the scopes asked for", "openid profile email")
    role_claim: str = _oidc("ROLE_CLAIM", "the claim that carries groups or roles", "roles")
    role_map: dict[str, str] = _oidc(
        "ROLE_MAP",
        "`idp-value=ROLE,...`: which provider value means which joinedup role (a role's own "
        "name counts as itself)",
        {},
        shown="none",
    )
    agency_claim: str = _oidc("AGENCY_CLAIM", "the claim naming the agency", "agency")
    agency_map: dict[str, str] = _oidc(
        "AGENCY_MAP", "`idp-value=agency_id,...` (an agency id counts as itself)", {}, shown="none"
    )
    default_agency: str | None = _oidc(
        "DEFAULT_AGENCY", "the agency when the claim is absent (one-agency providers)"
    )
    team_claim: str | None = _oidc("TEAM_CLAIM", "the claim naming the team", shown="none")
    practitioner_key_claim: str = _oidc(
        "PRACTITIONER_KEY_CLAIM", "the claim that is the practitioner's key in feeds", "email"
    )
    end_session_endpoint: str | None = _oidc(
        "END_SESSION_ENDPOINT",
        "the provider's logout endpoint: signing out of joinedup ends the provider's session "
        "there too",
        shown="discovered",
    )
    ca_bundle: str | None = _oidc(
        "CA_BUNDLE",
        "a PEM file of the certificates to trust for the provider's TLS (a partnership's "
        "private CA)",
        shown="the system's",
    )
    mfa_roles: str = _oidc(
        "MFA_ROLES",
        "the roles that must sign in with a second factor at the provider (comma-separated, "
        "or `none`)",
        "PRIVACY_OFFICER,ADMINISTRATOR,PARTNERSHIP_ANALYST",
    )
    mfa_acr: str = _oidc(
        "MFA_ACR",
        "the `acr` values that mean multi-factor at the provider, asked for as `acr_values` "
        "(comma-separated; an `amr` of `mfa`, `otp` or `hwk` counts too)",
        "http://schemas.openid.net/pape/policies/2007/06/multi-factor",
    )

    @field_validator("issuer")
    @classmethod
    def _https(cls, issuer: str | None) -> str | None:
        if issuer is not None and not issuer.startswith("https://"):
            raise ValueError(f"must be an https URL, not {issuer!r}")
        return issuer

    @field_validator("ca_bundle")
    @classmethod
    def _readable(cls, path: str | None) -> str | None:
        if path is not None and not os.path.isfile(path):
            raise ValueError(f"no such file: {path!r}")
        return path

    @field_validator("role_map", "agency_map", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        return pairs(value, "idp-value=name")

    @model_validator(mode="after")
    def _client(self) -> OidcConfig:
        if self.issuer and not (self.client_id and self.client_secret):
            raise ValueError("OIDC needs JOINEDUP_OIDC_CLIENT_ID and JOINEDUP_OIDC_CLIENT_SECRET")
        return self


class AuditSettings(Group):
    """The audit log's key and witness ([docs/audit.md](docs/audit.md))."""

    signing_key: str | None = variable(
        "JOINEDUP_AUDIT_SIGNING_KEY",
        help="the audit log's signing key: a path to a PEM (PKCS#8) or base64 Ed25519 private "
        "key, or the base64 key itself",
        shown="a key generated once in the key folder",
        secret=True,
    )
    key_dir: Path | None = variable(
        "JOINEDUP_AUDIT_KEY_DIR",
        help="the folder of the generated signing key; never beside the database "
        "(`joinedup audit move-key` moves one an older version left there)",
        shown="`$XDG_CONFIG_HOME/joinedup`",
    )
    trusted_keys: tuple[Path, ...] = variable(
        "JOINEDUP_AUDIT_TRUSTED_KEYS",
        (),
        "more public keys (PEM files, `:`-separated) trusted to verify the log's heads",
        shown="none",
    )
    witness: Path | None = variable(
        "JOINEDUP_AUDIT_WITNESS",
        help="the append-only file every signed head is also written to, outside the "
        "database; `audit verify` refuses a log shorter than it remembers",
        shown="`$XDG_STATE_HOME/joinedup/audit-witness.log`",
    )
    checkpoint_every: int = variable(
        "JOINEDUP_AUDIT_CHECKPOINT_EVERY",
        1000,
        "also sign a head every this many entries within a long unit of work (`0`: off; "
        "every command and request is sealed at its end regardless)",
        ge=0,
    )
    config_home: Path | None = variable(
        "XDG_CONFIG_HOME",
        help="the user's configuration folder: the key folder's parent when "
        "`JOINEDUP_AUDIT_KEY_DIR` is unset",
        shown="`~/.config`",
    )
    state_home: Path | None = variable(
        "XDG_STATE_HOME",
        help="the user's state folder: the witness's when `JOINEDUP_AUDIT_WITNESS` is unset",
        shown="`~/.local/state`",
    )

    @field_validator("trusted_keys", mode="before")
    @classmethod
    def _paths(cls, value: Any) -> Any:
        return tuple(p for p in value.split(os.pathsep) if p) if isinstance(value, str) else value

    @property
    def key_folder(self) -> Path:
        if self.key_dir is not None:
            return self.key_dir.expanduser()
        return (self.config_home or Path.home() / ".config") / "joinedup"

    @property
    def witness_file(self) -> Path:
        if self.witness is not None:
            return self.witness.expanduser()
        return (self.state_home or Path.home() / ".local/state") / "joinedup/audit-witness.log"


class RetentionSettings(Group):
    """Retention and pseudonymisation ([docs/audit.md](docs/audit.md#retention))."""

    rules: Path | None = variable(
        "JOINEDUP_RETENTION_RULES",
        help="a YAML file of retention rules, instead of the agreements' rules",
        shown="the agreements' rules",
    )
    pseudonym_key: str | None = variable(
        "JOINEDUP_PSEUDONYM_KEY",
        help="the key of the pseudonyms retention gives records (HMAC-SHA-256); production "
        "needs one of 32 characters or more",
        shown="derived from the audit signing key",
        secret=True,
    )


class VolumeLimits(Group):
    """How much one account may do before the privacy officer is told, and before it is
    refused ([docs/governance.md](docs/governance.md#search))."""

    search_notice_per_hour: int = variable(
        "JOINEDUP_SEARCH_NOTICE_PER_HOUR",
        60,
        "one account's searches in an hour before the privacy officer is told",
        ge=1,
    )
    search_limit_per_hour: int = variable(
        "JOINEDUP_SEARCH_LIMIT_PER_HOUR",
        150,
        "one account's searches in an hour before more are refused",
        ge=1,
    )
    break_glass_notice_per_day: int = variable(
        "JOINEDUP_BREAK_GLASS_NOTICE_PER_DAY",
        3,
        "one account's break-glass grants in 24 hours before the privacy officer is told",
        ge=1,
    )
    break_glass_limit_per_day: int = variable(
        "JOINEDUP_BREAK_GLASS_LIMIT_PER_DAY",
        8,
        "one account's break-glass grants in 24 hours before more are refused",
        ge=1,
    )


class IngestSettings(Group):
    parse_process: str = variable(
        "JOINEDUP_INGEST_PARSE_PROCESS",
        "auto",
        "where a delivery is parsed: `auto` (a second process from 20,000 rows, on two cores "
        "or more), `always` or `never` ([docs/ingest.md](docs/ingest.md))",
    )
    receive_dir: str = variable(
        "JOINEDUP_RECEIVE_DIR",
        "received",
        "where deliveries pushed over the API arrive, one folder per agency and delivery, "
        "before the ingest takes them ([docs/ingest.md](docs/ingest.md#receiving-deliveries))",
        shown="`received` (under the working folder)",
    )
    sftp_drop: str | None = variable(
        "JOINEDUP_SFTP_DROP",
        None,
        "the SFTP drop's root: one chrooted folder per agency, `upload/` and `receipts/` in "
        "each ([docs/ingest.md](docs/ingest.md#sftp-drop-joinedup-receive-sftp))",
        shown="unset: no SFTP receiver",
    )
    delivery_schedule: dict[str, float] = variable(
        "JOINEDUP_DELIVERY_SCHEDULE",
        {},
        "how often each agency delivers, e.g. `police=24h,health=1h,education=7d`: an agency "
        "with nothing received for longer is late (the data quality pages, `joinedup receive "
        "late`, and a warning from every receiver)",
        shown="none: no agency is ever late",
    )
    sftp_stale_seconds: int = variable(
        "JOINEDUP_SFTP_STALE_SECONDS",
        3600,
        "how long a delivery in the drop may stay incomplete before it is refused",
        ge=1,
    )

    @field_validator("delivery_schedule", mode="before")
    @classmethod
    def _every(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        units = {"m": 1 / 60, "h": 1.0, "d": 24.0}
        found = {}
        for pair in filter(None, (p.strip() for p in value.split(","))):
            agency, sep, every = pair.partition("=")
            every = every.strip().lower()
            if not sep or every[-1:] not in units or not every[:-1].replace(".", "", 1).isdigit():
                raise ValueError(f"must be agency=NUMBER followed by m, h or d, not {pair!r}")
            found[agency.strip()] = float(every[:-1]) * units[every[-1]]
        return found

    @field_validator("parse_process", mode="before")
    @classmethod
    def _where(cls, value: Any) -> Any:
        if isinstance(value, str) and value.lower() in ("auto", "always", "never"):
            return value.lower()
        raise ValueError(f"must be auto, always or never, not {value!r}")


class LinkageSettings(Group):
    spark_master: str = variable(
        "JOINEDUP_SPARK_MASTER",
        "local[2]",
        "the Spark master of the `spark` linkage backend ([docs/linkage.md](docs/linkage.md))",
    )
    spark_partitions: int = variable(
        "JOINEDUP_SPARK_PARTITIONS", 8, "Spark's shuffle partitions and parallelism", ge=1
    )
