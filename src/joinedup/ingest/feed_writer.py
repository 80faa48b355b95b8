"""Streaming writers for agency deliveries, the feed contract's writing side (docs/feeds.md):
CSV/ndjson files, row counts, sha256, manifest. The synthetic generator writes its
partnerships with it, and the alerts replay its daily slices.

In: a delivery folder, agency id and format, then rows. Out: the files plus
``manifest.json`` (agency, format, partnership, extracted_at, files[path, rows, sha256]).
CSV is RFC 4180 via the ``csv`` module with ``\\n`` line endings; JSON uses sorted keys and
fixed separators, so the bytes depend only on the rows.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any


def dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class _File:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self.fh = path.open("w", encoding="utf-8", newline="")


class Delivery:
    """One agency delivery folder: ``table()`` opens a CSV, ``ndjson()`` a stream."""

    def __init__(
        self,
        root: Path,
        agency: str,
        fmt: str,
        partnership: str,
        extracted_at: str,
        *,
        folder: str | None = None,  # when an agency makes more than one delivery
    ) -> None:
        self.dir = root / (folder or agency)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.agency, self.fmt = agency, fmt
        self.partnership, self.extracted_at = partnership, extracted_at
        self._files: dict[str, _File] = {}
        self._writers: dict[str, Any] = {}

    def table(self, name: str, header: list[str]) -> Any:
        f = _File(self.dir / name)
        self._files[name] = f
        w = csv.writer(f.fh, lineterminator="\n")
        w.writerow(header)
        counter = f

        class _W:  # why: count rows without a wrapper call per row on the hot path
            __slots__ = ()

            @staticmethod
            def row(values: list[Any] | tuple[Any, ...]) -> None:
                counter.rows += 1
                w.writerow(values)

        return _W()

    def text_file(self, name: str) -> _File:
        """A file the caller writes (``fh``) and counts the rows of (``rows``): XML returns."""
        f = _File(self.dir / name)
        self._files[name] = f
        return f

    def ndjson(self, name: str) -> Any:
        f = _File(self.dir / name)
        self._files[name] = f
        write = f.fh.write

        class _N:
            __slots__ = ()

            @staticmethod
            def row(resource: dict[str, Any]) -> None:
                f.rows += 1
                write(dumps(resource) + "\n")

        return _N()

    def close(self) -> dict[str, int]:
        entries = []
        counts = {}
        for name in sorted(self._files):
            f = self._files[name]
            f.fh.close()
            digest = hashlib.sha256()
            with f.path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    digest.update(chunk)
            entries.append({"path": name, "rows": f.rows, "sha256": digest.hexdigest()})
            counts[f"{self.dir.name}/{name}"] = f.rows
        manifest = {
            "agency": self.agency,
            "format": self.fmt,
            "partnership": self.partnership,
            "extracted_at": self.extracted_at,
            "files": entries,
        }
        (self.dir / "manifest.json").write_text(
            json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8"
        )
        return counts
