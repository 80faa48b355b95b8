"""A pair of partnerships with a shared truth: families who move from the first to the second.

In: two output folders, children per partnership, a seed and a move rate. Out: two ordinary
generated partnerships (every agency delivery plus truth/) whose person and household keys
are globally unique ("A..." and "B..."), and ``truth/moves.csv`` in both (person_key,
from_partnership, to_partnership, moved_on, role, cp_plan_at_move, looked_after_at_move).

A moving household is simulated once in the first partnership. That area records it until
the move (people leave on ``moved_on``; later happenings are not seen there). The second area
records the same people from ``moved_on``: a new address there, a new GP and school (the
pupil keeps the UPN the common transfer file brings, or carries it as former UPN), and its
own first contacts (latent risk that is still active is discovered afresh after the move).
Families known to social care move more often (the move rate is multiplied by 1 + the
latent severity 0-4), so some children are on child protection plans or looked after when
they move. The second area's own children number ``children``; movers come on top.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from joinedup.errors import BadInput
from joinedup.synth.model import Household, iso
from joinedup.synth.options import SynthOptions
from joinedup.synth.partnership import generate_partnership
from joinedup.synth.population import World


class Moves(Protocol):
    """Families moving between two generated partnerships (``PairMoves``): what
    ``generate_partnership`` asks of them."""

    def leaving(self, w: World, hh: Household) -> Household: ...  # as this area records it

    def arriving(self, w: World) -> list[Household]: ...  # families who moved in


# (key prefix, partnership name, ONS LA code, DfE LA number): two real neighbouring LAs.
FROM_AREA = ("A", "Exampleshire", "E08000036", 384)
TO_AREA = ("B", "Otherbury", "E08000035", 383)
NHS_SECOND_START = 450_000  # half the synthetic NHS range each (numbers are national)
MOVES_COLUMNS = [
    "person_key",
    "from_partnership",
    "to_partnership",
    "moved_on",
    "role",
    "cp_plan_at_move",
    "looked_after_at_move",
]


@dataclass
class _Move:
    whole: Household  # as simulated (before any area's cut)
    before: Household  # as the first area recorded it (holds the UPNs its schools gave)
    moved_on: int


@dataclass
class PairMoves:
    """The ``Moves`` hooks of ``generate_partnership``: chooses movers in the first run and
    hands them, re-homed, to the second."""

    rate: float
    moves: list[_Move] = field(default_factory=list)
    arrived: bool = False

    def leaving(self, w: World, hh: Household) -> Household:
        if self.arrived or hh.satellite_of:
            return hh
        rng = random.Random(f"move|{w.seed}|{hh.index}")  # its own stream: nothing else moves
        if rng.random() >= self.rate * (1 + hh.level):
            return hh
        lo, hi = w.window_start + 365, w.as_of - 120
        moved_on = lo + rng.randrange(max(1, hi - lo))
        if not hh.children_at(moved_on):
            return hh
        before = copy.deepcopy(hh)
        _cut_after(before, moved_on)
        self.moves.append(_Move(copy.deepcopy(hh), before, moved_on))
        return before

    def arriving(self, w: World) -> list[Household]:
        if not self.moves:
            return []
        self.arrived = True
        return [_rehome(w, m, n) for n, m in enumerate(self.moves)]


def _cut_after(hh: Household, day: int) -> None:
    """The household as the area it leaves on ``day`` knows it."""
    for p in hh.people:
        if p.present_from >= day or p.dob >= day:
            p.hh_key = ""  # joined after the move: not a member here (nor in truth)
        if p.present_to is None or p.present_to > day:
            p.present_to = day
        p.present_from = min(p.present_from, day)
    hh.periods = [
        (f, day if (t is None or t > day) else t, pc, n) for f, t, pc, n in hh.periods if f < day
    ]
    hh.happenings = [h for h in hh.happenings if h[1] < day]
    hh.serious = [s for s in hh.serious if s[0] < day]
    if hh.onset is not None and hh.onset >= day:
        hh.onset = None


def _rehome(w: World, m: _Move, n: int) -> Household:
    """The household as the area it moves to knows it, from ``moved_on``."""
    hh, day = copy.deepcopy(m.whole), m.moved_on
    rng = random.Random(f"arrive|{w.seed}|{n}")
    pc = rng.randrange(len(w.geo.postcodes))
    hh.index = 40_000_000 + n  # why: its own recording streams in this area
    hh.periods = [(day, None, pc, 1 + rng.randrange(180))]
    hh.decile = w.geo.decile(pc)
    for p, was in zip(hh.people, m.before.people, strict=True):
        if p.present_to is not None and p.present_to <= day:
            p.present_from = p.present_to = day  # left before the move: never here
            p.hh_key = ""
        else:
            p.present_from = max(p.present_from, day)
        p.gp = rng.randrange(w.n_gps)
        p.prior_upn, p.upn, p.school = was.upn, "", -1
    hh.happenings = [h for h in hh.happenings if h[1] >= day]
    hh.serious = [s for s in hh.serious if s[0] >= day]
    if hh.onset is not None:
        hh.onset = max(hh.onset, day)
    return hh


@dataclass
class PairSummary:
    first: dict[str, Any]
    second: dict[str, Any]
    moved_people: int
    moved_children: int
    on_plan_or_looked_after: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def generate_pair(
    first: Path,
    second: Path,
    *,
    children: int,
    seed: int,
    move_rate: float = 0.03,
    options: SynthOptions = SynthOptions(),
    progress: Callable[[str, int, int], None] | None = None,
) -> PairSummary:
    """Write the first partnership to ``first`` and the one its movers go to to ``second``."""
    if Path(first).resolve() == Path(second).resolve():
        raise BadInput("the two partnerships need two different folders")
    if not 0.0 <= move_rate <= 0.2:
        raise BadInput("move_rate must be between 0 and 0.2")
    for out in (Path(first), Path(second)):
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise BadInput(f"output folder {out} is not empty; choose a new or empty folder")
    hooks = PairMoves(move_rate)
    summaries = []
    for (prefix, name, laua, la_number), out, s in (
        (FROM_AREA, first, seed),
        (TO_AREA, second, seed + 1),
    ):
        opts = replace(
            options,
            key_prefix=prefix,
            partnership=name,
            laua=laua,
            la_number=la_number,
            nhs_start=0 if prefix == FROM_AREA[0] else NHS_SECOND_START,
        )
        summaries.append(
            generate_partnership(
                Path(out), children=children, seed=s, options=opts, progress=progress, moves=hooks
            )
        )
    rows = _moves_rows(hooks, Path(first))
    for out in (first, second):
        _add_truth_file(Path(out), "moves.csv", MOVES_COLUMNS, rows)
    return PairSummary(
        summaries[0].to_dict(),
        summaries[1].to_dict(),
        len(rows),
        sum(1 for r in rows if r[4] == "CHILD"),
        sum(1 for r in rows if r[5] == "Y" or r[6] == "Y"),
    )


def _moves_rows(hooks: PairMoves, first: Path) -> list[list[str]]:
    on_plan = _open_on(
        first,
        "ssd_cp_plans.csv",
        "cppl_person_id",
        "cppl_cp_plan_start_date",
        "cppl_cp_plan_end_date",
    )
    looked_after = _open_on(
        first,
        "ssd_cla_episodes.csv",
        "clae_person_id",
        "clae_cla_episode_start_date",
        "clae_cla_episode_ceased_date",
    )
    rows = []
    for m in hooks.moves:
        day = iso(m.moved_on)
        for p in m.whole.people:
            if not m.whole.present(p, m.moved_on) or p.dob > m.moved_on:
                continue
            plan = any(s <= day and (not e or e > day) for s, e in on_plan.get(p.key, []))
            cla = any(s <= day and (not e or e > day) for s, e in looked_after.get(p.key, []))
            rows.append(
                [
                    p.key,
                    FROM_AREA[1],
                    TO_AREA[1],
                    day,
                    p.role,
                    "Y" if plan else "N",
                    "Y" if cla else "N",
                ]
            )
    return sorted(rows)


def _open_on(
    out: Path, table: str, who: str, start: str, end: str
) -> dict[str, list[tuple[str, str]]]:
    """person_key -> (start, end) of the first area's episodes in ``table`` (social care)."""
    keys: dict[str, str] = {}
    with (out / "truth" / "records.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["agency"] == "social_care" and r["source_table"] == "ssd_person":
                keys[r["source_id"]] = r["person_key"]
    found: dict[str, list[tuple[str, str]]] = {}
    with (out / "social_care" / table).open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r[who] in keys:
                found.setdefault(keys[r[who]], []).append((r[start], r[end]))
    return found


def _add_truth_file(out: Path, name: str, header: list[str], rows: list[list[str]]) -> None:
    """Write truth/<name> and list it in truth/manifest.json (rows, sha256) like the rest."""
    path = out / "truth" / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    manifest_path = out / "truth" / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    files = [f for f in manifest["files"] if f["path"] != name]
    files.append(
        {"path": name, "rows": len(rows), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    )
    manifest["files"] = sorted(files, key=lambda f: f["path"])
    manifest_path.write_text(json.dumps(manifest, sort_keys=True, separators=(",", ":")), "utf-8")


def moved_on(row: dict[str, str]) -> date:
    return date.fromisoformat(row["moved_on"])
