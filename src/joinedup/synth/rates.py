"""Realised base rates of a written partnership, for the doc's table and the calibration test.

In: a partnership folder written by ``generate_partnership`` (reads social_care/, education/,
police/ and truth/). Out: a dict of rates; per-10,000-children figures use the children aged
0-17 at the extract date (truth/people.csv role CHILD), "per year" means the 12 months before
the extract date (manifest ``extracted_at`` of social_care).
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

BANDS = {  # English bands per 10,000 children (the generator's calibration targets)
    "referrals_per_10k_per_year": (400, 650),
    "cp_plans_per_10k_at_as_of": (30, 55),
    "looked_after_per_10k_at_as_of": (50, 90),
    "persistent_absence_pct_of_pupils": (15, 25),
}


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _open_at(start: str, end: str, day: str) -> bool:
    return bool(start) and start <= day and (not end or end > day)


def realised_rates(partnership_dir: Path | str) -> dict[str, float]:
    root = Path(partnership_dir)
    manifest = json.loads((root / "social_care" / "manifest.json").read_text("utf-8"))
    as_of = date.fromisoformat(manifest["extracted_at"][:10])
    day, year_ago = as_of.isoformat(), (as_of - timedelta(days=365)).isoformat()
    people = list(_rows(root / "truth" / "people.csv"))
    children = sum(1 for p in people if p["role"] == "CHILD")
    per10k = 10_000 / max(1, children)
    sc = root / "social_care"
    referrals = sum(
        1 for r in _rows(sc / "ssd_cin_episodes.csv") if year_ago <= r["cine_referral_date"] < day
    )
    contacts = sum(
        1 for r in _rows(sc / "ssd_contacts.csv") if year_ago <= r["cont_contact_date"] < day
    )
    s47 = sum(
        1 for r in _rows(sc / "ssd_s47_enquiry.csv") if year_ago <= r["s47e_s47_start_date"] < day
    )
    cp = {
        r["cppl_person_id"]
        for r in _rows(sc / "ssd_cp_plans.csv")
        if _open_at(r["cppl_cp_plan_start_date"], r["cppl_cp_plan_end_date"], day)
    }
    cla = {
        r["clae_person_id"]
        for r in _rows(sc / "ssd_cla_episodes.csv")
        if _open_at(r["clae_cla_episode_start_date"], r["clae_cla_episode_ceased_date"], day)
    }
    possible: defaultdict[str, int] = defaultdict(int)
    absent: defaultdict[str, int] = defaultdict(int)
    for r in _rows(root / "education" / "attendance.csv"):
        possible[r["upn"]] += int(r["sessions_possible"])
        absent[r["upn"]] += int(r["sessions_authorised_absence"]) + int(
            r["sessions_unauthorised_absence"]
        )
    pupils = [u for u, n in possible.items() if n > 0]
    persistent = sum(1 for u in pupils if absent[u] / possible[u] >= 0.10)
    decile = {}
    for h in _rows(root / "truth" / "people.csv"):
        decile[h["household_key"]] = int(h["imd_decile"])
    da = sum(
        1 for r in _rows(root / "police" / "incidents.csv") if r["category"] == "DOMESTIC_ABUSE"
    )
    outcomes: defaultdict[str, int] = defaultdict(int)
    for r in _rows(root / "truth" / "outcomes.csv"):
        outcomes[r["outcome"]] += 1
    return {
        "children": children,
        "referrals_per_10k_per_year": round(referrals * per10k, 1),
        "contacts_per_10k_per_year": round(contacts * per10k, 1),
        "s47_per_10k_per_year": round(s47 * per10k, 1),
        "cp_plans_per_10k_at_as_of": round(len(cp) * per10k, 1),
        "looked_after_per_10k_at_as_of": round(len(cla) * per10k, 1),
        "persistent_absence_pct_of_pupils": round(100 * persistent / max(1, len(pupils)), 1),
        "da_incidents_per_1000_households": round(1000 * da / max(1, len(decile)), 1),
        "serious_incidents": outcomes["SERIOUS_INCIDENT"],
    }
