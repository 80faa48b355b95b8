"""Reading the generated SSD delivery for the returns (``synth/returns.py``): the tables
grouped by person or referral, and dates as the returns write them."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path


def rows(folder: Path, table: str) -> Iterator[dict[str, str]]:
    path = folder / f"{table}.csv"
    if path.exists():
        with path.open(encoding="utf-8", newline="") as handle:
            yield from csv.DictReader(handle)


def by_key(folder: Path, table: str, key: str) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows(folder, table):
        out[row[key]].append(row)
    return out


def day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def iso_date(value: str | None) -> str:
    found = day(value)
    return found.isoformat() if found and found.year >= 1900 else ""


def uk_date(value: str | None) -> str:
    found = day(value)
    return found.strftime("%d/%m/%Y") if found and found.year >= 1900 else ""


class Ssd:
    """The SSD delivery, read once, grouped by person or referral."""

    def __init__(self, folder: Path) -> None:
        self.people = {r["pers_person_id"]: r for r in rows(folder, "ssd_person")}
        self.upn: dict[str, str] = {}
        for r in rows(folder, "ssd_linked_identifiers"):
            if "pupil" in r["link_identifier_type"].lower():
                self.upn[r["link_person_id"]] = r["link_identifier_value"]
        self.referrals = by_key(folder, "ssd_cin_episodes", "cine_person_id")
        self.assessments = by_key(folder, "ssd_cin_assessments", "cina_referral_id")
        self.factors: dict[str, list[str]] = {}
        for r in rows(folder, "ssd_assessment_factors"):
            try:
                codes = json.loads(r["cinf_assessment_factors_json"] or "[]")
            except ValueError:
                codes = []
            self.factors[r["cinf_assessment_id"]] = [c for c in codes if isinstance(c, str)]
        self.s47 = by_key(folder, "ssd_s47_enquiry", "s47e_referral_id")
        self.cp = by_key(folder, "ssd_cp_plans", "cppl_referral_id")
        self.cla = by_key(folder, "ssd_cla_episodes", "clae_person_id")
        self.missing = by_key(folder, "ssd_missing", "miss_person_id")
        self.contacts = by_key(folder, "ssd_contacts", "cont_person_id")
