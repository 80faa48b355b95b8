"""Generate a whole synthetic partnership: every agency delivery plus truth/.

In: an output folder, a number of children, a seed and ``SynthOptions``. Out: the folder
(one delivery per agency with manifest.json, and truth/) and a ``SynthSummary``. Households
are simulated and written one at a time (streaming), so memory stays bounded: each goes to
the open deliveries (``synth.feeds``) and to truth/ (``synth.truth``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from joinedup.errors import BadInput
from joinedup.synth.agencies import emit_adult, emit_health, emit_police
from joinedup.synth.education import emit_education
from joinedup.synth.feeds import Feeds
from joinedup.synth.geography import build_geography
from joinedup.synth.model import Household
from joinedup.synth.names import NameBook
from joinedup.synth.options import SynthOptions
from joinedup.synth.population import World, build_household
from joinedup.synth.returns import write_returns
from joinedup.synth.returns_school_census import write_school_census
from joinedup.synth.social_care import emit_social_care
from joinedup.synth.truth import write_truth

if TYPE_CHECKING:
    from joinedup.synth.moves import Moves


@dataclass
class SynthSummary:
    out: Path
    children: int
    people: int
    households: int
    files: dict[str, int]
    seconds: float
    seed: int = 0
    options: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "children": self.children,
            "people": self.people,
            "households": self.households,
            "files": dict(sorted(self.files.items())),
            "rows": sum(self.files.values()),
            "seconds": round(self.seconds, 2),
            "seed": self.seed,
            "options": self.options,
        }


def _emit(fd: Feeds, w: World, hh: Household) -> None:
    fd.recorded_police = set()
    if fd.exploitation is not None:
        fd.exploitation.plan(hh)
    emit_education(fd, hh, w.rng(hh.index, 2 + (hh.satellite_of != "")))
    emit_health(fd, hh, w.rng(hh.index, 4 + (hh.satellite_of != "")))
    emit_police(fd, hh, w.rng(hh.index, 6))
    emit_adult(fd, hh, w.rng(hh.index, 7))
    emit_social_care(fd, hh, w.rng(hh.index, 1))
    write_truth(fd, hh)


def generate_partnership(
    out: Path,
    *,
    children: int,
    seed: int,
    options: SynthOptions = SynthOptions(),
    progress: Callable[[str, int, int], None] | None = None,
    moves: Moves | None = None,
) -> SynthSummary:
    """Write a partnership of ``children`` children (aged 0-17 at ``options.as_of``) to ``out``."""
    started = time.perf_counter()
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BadInput(f"output folder {out} is not empty; choose a new or empty folder")
    if not 1 <= children <= 300_000:
        raise BadInput("children must be between 1 and 300,000")
    if options.extra:
        raise BadInput("SynthOptions.extra is reserved and must be empty")
    if options.error_model not in ("default", "extended"):
        raise BadInput("error_model must be 'default' or 'extended'")
    out.mkdir(parents=True, exist_ok=True)
    geo = build_geography(options.laua)
    as_of = options.as_of.toordinal()
    ws = date(options.as_of.year - options.history_years, options.as_of.month, 1).toordinal()
    w = World(options, seed, geo, NameBook(), as_of, ws, n_gps=max(3, children // 2500))
    w.nhs_seq = options.nhs_start
    fd = Feeds(out, w, children)
    made = people = households = index = 0
    tick = max(1, children // 200)
    last = 0
    for hh in moves.arriving(w) if moves is not None else ():  # families who moved in
        _emit(fd, w, hh)
    while made < children:
        group = build_household(w, index, children - made)
        index += 1
        for hh in group:
            _emit(fd, w, moves.leaving(w, hh) if moves is not None else hh)
            households += 1
            people += sum(1 for p in hh.people if p.hh_key == hh.key)
            made += sum(1 for p in hh.people if p.is_child)
        if progress and made - last >= tick:
            last = made
            progress("households", min(made, children), children)
    if progress:
        progress("households", children, children)
        progress("manifests", 0, 1)
    counts = fd.close()
    if options.returns:
        care = fd.deliveries["social_care"]
        counts.update(write_returns(out, care.partnership, care.extracted_at, options.as_of))
        schools = fd.deliveries["education"]
        counts.update(write_school_census(out, schools.partnership, schools.extracted_at))
    if progress:
        progress("manifests", 1, 1)
    return SynthSummary(
        out,
        made,
        people,
        households,
        counts,
        time.perf_counter() - started,
        seed,
        options.to_dict(),
    )
