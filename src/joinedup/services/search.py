"""Search for a person: name, date of birth, NHS number, UPN, postcode, with fuzzy names.

A search is a trace, not a browse (docs/governance.md, "Search"), as a demographics service
offers one:
- it needs a specific query: an NHS number or a UPN, a surname with a forename, a date of
  birth or a postcode, or one name (a forename or a surname) with a date of birth or a
  postcode;
- it returns only people the reader could lawfully open for their purpose: people with a
  record in the reader's own agency (where an involvement or a team caseload, the
  legitimate relationships, can exist); any child when the purpose lets the reader triage or
  break the glass for a child (a MASH practitioner, a safeguarding purpose); for the privacy
  officer, only people whose access is under review. Sealed records are never found, unless
  the rule that opens the seal could open it for this reader;
- each account has a volume limit: the privacy officer is told at once when an account
  searches unusually often, and searches beyond the limit are refused;
- it shows enough to tell people apart (name, date of birth, postcode district, how well
  the records link) and nothing of any agency's record, not even which agencies know the
  person. Opening a result is a separate, fully governed read (``casework.single_view``).
Every search is audited with the person ids it returned and its terms pseudonymised (keyed
hashes: the privacy officer can tell whether a given name was searched for, but the log
holds no names or numbers).

Matching: names are folded as linkage folds them (``domain.names.fold``: case, accents,
"Wozniak" finds "Woźniak"); candidates come from indexed lookups (identifiers exactly; date
of birth; postcode; the folded surname's prefix), then each person is scored with
Jaro-Winkler similarity on names (jellyfish), known nicknames (``nicknames``), and agreement
on date of birth (also with day and month swapped, a common recording error) and postcode.
A date of birth is read as practitioners type it (``domain.dates``: 3/2/2015, 3 February
2015, ISO). Results come a page of ``PAGE_SIZE`` at a time with how many there are in all
(of the people the reader may find); each page is a search, counted and audited.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import jellyfish
import orjson
from sqlalchemy import Engine, Text, and_, case, cast, func, or_, select

from joinedup.config import volume_limits
from joinedup.domain.names import fold
from joinedup.errors import BadInput
from joinedup.governance import uses
from joinedup.governance.audit import append
from joinedup.governance.notices import Volume, check_volume
from joinedup.governance.pdp import UK
from joinedup.governance.reader import Reader
from joinedup.governance.retention_actions import pseudonym_key
from joinedup.governance.trace import findable, pseudonymised_terms
from joinedup.services.search_query import Query
from joinedup.services.search_query import name_parts as _name_parts
from joinedup.store.linkage_tables import linkage_record, linked_record
from joinedup.store.tables import person_link, person_record

__all__ = ["MAX_PAGE", "PAGE_SIZE", "Query", "search_people"]

PAGE_SIZE = 20
MAX_PAGE = 50  # a trace, not a browse: beyond a thousand results, the query is too broad
SEARCH_VOLUME_KIND = "SEARCH_VOLUME"
CANDIDATE_LIMIT = 1_000  # nearest first (see _candidates), so the cut falls on the least likely
MIN_SCORE = 0.55
NAME_FLOOR = 0.8  # Jaro-Winkler: 'Rebeca'/'Rebecca' 0.97, 'Holt'/'Holden' 0.87


def _candidates(connection: Any, query: Query) -> list[Any]:
    pr = person_record.c
    conditions = []
    if query.nhs_number:
        conditions.append(pr.nhs_number == query.nhs_number)
    if query.upn:
        conditions.append(pr.upn == query.upn)
    if query.date_of_birth:
        d = query.date_of_birth
        conditions.append(pr.date_of_birth == d)
        if d.day <= 12 and d.day != d.month:
            conditions.append(pr.date_of_birth == date(d.year, d.day, d.month))
    forename, surname = _name_parts(query)
    if surname and not query.date_of_birth:
        # The folded surname's prefix (case and accents folded, on its index).
        stem = surname[:3]
        upper = stem[:-1] + chr(ord(stem[-1]) + 1)
        folded = pr.surname_folded
        conditions.append(and_(folded >= stem, folded < upper))
    if query.postcode:
        conditions.append(pr.postcode == query.postcode)
    # Nearest first, so the limit cuts the least likely: a common surname's stem matches
    # more records than the limit on a large partnership ('wil': 8,963 of 100,000 children's
    # records), and without an order the person asked for could be cut.
    nearest = []
    if surname:
        nearest.append(case((pr.surname_folded == surname, 0), else_=1))
    if forename:
        nearest.append(case((func.lower(pr.forenames).startswith(forename[:1]), 0), else_=1))
    elif not query.date_of_birth and query.postcode:
        nearest.append(case((pr.postcode == query.postcode, 0), else_=1))
    # The nearest records are chosen from person_record alone, then joined to their people:
    # joined first, PostgreSQL misjudged how many records a stem matches (390 for 7,346) and
    # hashed the whole linkage table for every search (185 ms for 'Dawn Smith' on 100,000
    # children; 28 ms this way). A record not yet linked drops out after the cut, as before.
    near = (
        select(
            pr.id,
            pr.agency_id,
            pr.source_table,
            pr.source_id,
            pr.forenames,
            pr.surname,
            # as its JSON text: most records have none ('[]'), and decoding a thousand
            # candidates' empty lists cost as much as the query (13 ms a search)
            cast(pr.other_names, Text).label("other_names"),
            pr.date_of_birth,
            pr.postcode,
            pr.nhs_number,
            pr.upn,
        )
        .where(or_(*conditions))
        .order_by(*nearest, pr.id)
        .limit(CANDIDATE_LIMIT)
        .cte("near")
    )
    rows = connection.execute(
        select(
            linkage_record.c.person_id,
            near.c.forenames,
            near.c.surname,
            near.c.other_names,
            near.c.date_of_birth,
            near.c.postcode,
            near.c.nhs_number,
            near.c.upn,
            person_link.c.match_probability,
        )
        .join(linkage_record, linked_record(near.c))
        .outerjoin(person_link, person_link.c.person_record_id == near.c.id)
    ).all()
    return list(rows)


def _other_names(text: str | None) -> list[Any]:
    """A candidate's other names, from the JSON text the candidate query reads."""
    return orjson.loads(text) if text and text != "[]" else []


class _Scorer:
    """0..1: how well one record matches the query (the best record stands for a person).

    What depends on the query alone (its name parts, the forename's known nicknames from
    the linkage's alias table, Bill / William) is worked out once, not for each of up to
    a thousand candidates: per candidate that was a third of a name search's scoring."""

    def __init__(self, query: Query) -> None:
        self.query = query
        self.forename, self.surname = _name_parts(query)
        # One name with a date of birth or a postcode: a forename or a surname.
        self.either = not self.forename and bool(query.date_of_birth or query.postcode)
        first = self.forename.split()[0] if self.forename else ""
        if self.either:
            first = self.surname
        self.first_upper = first.upper()
        if first:
            from joinedup.linkage.features import aliases_of

            self.aliases = frozenset(aliases_of(first))
        else:
            self.aliases = frozenset()
        self.district = query.postcode.split()[0] if query.postcode else None

    def _name(self, row: Any) -> float:
        forename, surname = self.forename, self.surname
        similarity = jellyfish.jaro_winkler_similarity
        names = [(row.forenames or "", row.surname or "")]
        for other in _other_names(row.other_names):
            bits = str(other).split()
            if bits:
                names.append((" ".join(bits[:-1]), bits[-1]))
        best = 0.0
        for f, s in names:
            f, s = fold(f), fold(s)
            s_sim = similarity(surname, s)
            if not forename:
                best = max(best, s_sim)
                if self.either and f.strip():
                    f_first = f.split()[0]
                    nickname = f_first.upper() == self.first_upper or (
                        f_first.upper() in self.aliases
                    )
                    best = max(best, 1.0 if nickname else similarity(surname, f_first))
                continue
            f_first = f.split()[0].upper() if f.strip() else ""
            nickname = bool(f_first) and (f_first == self.first_upper or f_first in self.aliases)
            f_sim = 1.0 if nickname else similarity(forename, f)
            # The names the wrong way round score as well, a little lower.
            swapped = 0.9 * (similarity(surname, f) + similarity(forename, s)) / 2
            best = max(best, (s_sim + f_sim) / 2, swapped)
        return best

    def __call__(self, row: Any) -> float:
        query = self.query
        score, weight = 0.0, 0.0
        identified = bool(
            (query.nhs_number and row.nhs_number == query.nhs_number)
            or (query.upn and row.upn == query.upn)
        )
        if query.nhs_number:
            weight += 3
            score += 3 * (row.nhs_number == query.nhs_number)
        if query.upn:
            weight += 3
            score += 3 * (row.upn == query.upn)
        if self.surname:
            weight += 2
            best = self._name(row)
            if best < NAME_FLOOR and not identified:
                return 0.0  # a search by name does not return people with other names
            score += 2 * best
        if query.date_of_birth:
            weight += 2
            d, wanted = row.date_of_birth, query.date_of_birth
            if d == wanted:
                score += 2
            elif d and (d.year, d.day, d.month) == (wanted.year, wanted.month, wanted.day):
                score += 1.4
            elif d and d.year == wanted.year:
                score += 0.4
        if query.postcode:
            weight += 1
            if row.postcode == query.postcode:
                score += 1
            elif row.postcode and row.postcode.split()[0] == self.district:
                score += 0.5
        return score / weight if weight else 0.0


def _district(postcode: str | None) -> str | None:
    return postcode.split()[0] if postcode else None


def search_people(
    engine: Engine,
    reader: Reader,
    query: Query,
    *,
    page: int = 1,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One page (``PAGE_SIZE``) of the best-matching people the reader may find, best
    first, with how many the reader may find in all; counted against the account's volume
    and audited (with the people on this page)."""
    if not 1 <= page <= MAX_PAGE:
        raise BadInput(f"There are at most {MAX_PAGE} pages of results", field="page")
    uses.SEARCH.check(reader)
    reader.check_purpose()
    query.check_specific()
    now = now or datetime.now(UTC)
    limits = volume_limits()
    check_volume(
        engine,
        Volume(
            SEARCH_VOLUME_KIND, "SEARCH", timedelta(hours=1),
            limits.search_notice_per_hour, limits.search_limit_per_hour, "searches",
        ),
        actor=reader.user_id,
        actor_role=reader.role.value,
        now=now,
    )  # fmt: skip
    with engine.begin() as connection:
        rows = _candidates(connection, query)
        score = _Scorer(query)
        best: dict[str, tuple[float, Any]] = {}
        probabilities: dict[str, list[float]] = defaultdict(list)
        for row in rows:
            s = score(row)
            if row.match_probability is not None:
                probabilities[row.person_id].append(row.match_probability / 1000)
            if row.person_id not in best or s > best[row.person_id][0]:
                best[row.person_id] = (s, row)
        matched = [pid for pid, (s, _row) in best.items() if s >= MIN_SCORE]
        may_find = findable(connection, reader, matched, now.astimezone(UK).date())
        eligible = sorted(
            ((s, pid, row) for pid, (s, row) in best.items() if pid in may_find),
            key=lambda t: (-t[0], t[1]),
        )
        results = [
            {
                "person_id": pid,
                "name": " ".join(x for x in (row.forenames, row.surname) if x),
                "date_of_birth": row.date_of_birth.isoformat() if row.date_of_birth else None,
                "postcode_district": _district(row.postcode),
                "match_score": round(s, 3),
                "link_confidence": min(probabilities[pid]) if probabilities[pid] else None,
            }
            for s, pid, row in eligible[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        ]
        append(
            connection,
            kind="SEARCH",
            actor=reader.user_id,
            actor_role=reader.role.value,
            purpose=reader.purpose.value,
            subject=None,
            details={
                "agency": reader.agency.value,
                "query": pseudonymised_terms(pseudonym_key(connection), query.to_dict()),
                "results": [r["person_id"] for r in results],
                "page": page,
            },
            recorded_at=now,
        )
    # How many matched counts only the people the reader may find: it says nothing of others.
    total = len(eligible)
    return {
        "query": query.to_dict(),
        "results": results,
        "total": total,
        "page": page,
        "pages": max(1, -(-min(total, MAX_PAGE * PAGE_SIZE) // PAGE_SIZE)),
        "truncated": total > page * PAGE_SIZE,
    }
