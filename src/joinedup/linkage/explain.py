"""Why a person's records joined: per record, the pair that tied it in and its match weights.

In: a Connection and a person id. Out: ``Explanation`` (records, the strongest-first tree of
pairs that joins them, per comparison level and weight), as text, and as a waterfall chart
(self-contained HTML with inline SVG: no network, no JavaScript) in the manner of Splink's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from joinedup.charts import waterfall
from joinedup.errors import NotFound
from joinedup.linkage import model as linkage_model
from joinedup.linkage.records import read_records_where
from joinedup.linkage.scoring import PairScore, Scorer
from joinedup.store.linkage_tables import linkage_record
from joinedup.store.tables import person_record
from joinedup.templating import environment


@dataclass
class Join:
    record_key: str
    joined_to: str
    score: PairScore


@dataclass
class Explanation:
    person_id: str
    records: list[dict[str, Any]]
    joins: list[Join]

    def to_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "records": [r["record_key"] for r in self.records],
            "joins": [
                {
                    "record_key": j.record_key,
                    "joined_to": j.joined_to,
                    "match_weight": round(j.score.match_weight, 2),
                    "match_probability": round(j.score.match_probability, 6),
                    "prior_weight": round(j.score.prior_weight, 2),
                    "comparisons": j.score.as_evidence(),
                }
                for j in self.joins
            ],
        }


def explain(connection: Connection, person_id: str) -> Explanation:
    keys = connection.execute(
        select(
            linkage_record.c.agency_id, linkage_record.c.source_table, linkage_record.c.source_id
        ).where(linkage_record.c.person_id == person_id)
    ).all()
    if not keys:
        raise NotFound(f"no linked person {person_id}")
    model = linkage_model.load_active(connection)
    if model is None:
        raise NotFound("no trained linkage model yet: run `joinedup link` first")
    pr = person_record.c
    records = read_records_where(
        connection,
        or_(
            *[and_(pr.agency_id == a, pr.source_table == t, pr.source_id == s) for a, t, s in keys]
        ),
    )
    records.sort(key=lambda r: r["record_key"])
    scorer = Scorer(model.settings, model.term_frequencies)
    # Prim's maximum spanning tree: each record joins through its strongest tie to the rest.
    joined, joins = [records[0]], []
    waiting = records[1:]
    while waiting:
        best = max(
            ((w, j, scorer.score(j, w)) for w in waiting for j in joined),
            key=lambda t: t[2].match_weight,
        )
        waiting.remove(best[0])
        joined.append(best[0])
        joins.append(Join(best[0]["record_key"], best[1]["record_key"], best[2]))
    return Explanation(person_id, records, joins)


def as_text(explanation: Explanation) -> str:
    lines = [f"person {explanation.person_id}: {len(explanation.records)} records"]
    for r in explanation.records:
        lines.append(
            f"  {r['record_key']}: {r['full_name'] or '?'}, born {r['dob'] or '?'}, "
            f"NHS {r['nhs_number'] or '-'}, UPN {r['upn'] or '-'}, {r['postcode'] or '-'}"
        )
    for j in explanation.joins:
        s = j.score
        lines.append(
            f"\n{j.record_key}\n  joined {j.joined_to}: match weight "
            f"{s.match_weight:+.1f} (probability {s.match_probability:.4f})"
        )
        lines.append(f"    {'prior (two random records match)':<48} {s.prior_weight:+6.1f}")
        for lv in s.levels:
            weight = lv.weight + lv.tf_adjustment
            tf = f"  (name frequency {lv.tf_adjustment:+.1f})" if lv.tf_adjustment else ""
            lines.append(f"    {lv.comparison + ': ' + lv.level:<48} {weight:+6.1f}{tf}")
    if not explanation.joins:
        lines.append("  a single record: nothing joined to it")
    return "\n".join(lines)


def waterfall_html(explanation: Explanation) -> str:
    """One waterfall per join: bars from the prior through each comparison to the total."""
    joins = []
    for j in explanation.joins:
        steps = [("prior", j.score.prior_weight)] + [
            (f"{lv.comparison}: {lv.level}", lv.weight + lv.tf_adjustment) for lv in j.score.levels
        ]
        total = j.score.match_weight
        label = f"total (probability {1 / (1 + 2**-total):.4f})"
        joins.append(
            {
                "record_key": j.record_key,
                "joined_to": j.joined_to,
                "chart": waterfall(steps, total, label),
            }
        )
    template = environment("joinedup.linkage").get_template("waterfall.html.j2")
    return template.render(person_id=explanation.person_id, joins=joins)
