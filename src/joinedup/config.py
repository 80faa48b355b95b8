"""Settings from environment variables, with safe defaults.

``JOINEDUP_DATABASE_URL``  SQLAlchemy URL of the store; unset means a SQLite file
                           ``joinedup.db`` in the current directory (the embedded default).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SQLITE_FILE = "joinedup.db"


@dataclass(frozen=True)
class Settings:
    database_url: str

    @classmethod
    def from_environment(cls) -> Settings:
        url = os.environ.get("JOINEDUP_DATABASE_URL", "").strip()
        if not url:
            url = f"sqlite:///{Path.cwd() / DEFAULT_SQLITE_FILE}"
        return cls(database_url=url)


def settings() -> Settings:
    return Settings.from_environment()
