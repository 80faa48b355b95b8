"""Ofsted's Annex A lists (``annex-a-csv/1``) written from the generated SSD delivery: lists
1, 3, 4, 5, 7 and 8, for the year before the extract (and plans and care still open)."""

from __future__ import annotations

from datetime import date, timedelta

from joinedup.ingest.feed_writer import Delivery
from joinedup.synth.returns_common import Ssd, day, uk_date

ANNEX_PERSON = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age"]
GENDER = {"M": "b) Male", "F": "a) Female"}


def write_annex_a(ssd: Ssd, delivery: Delivery, as_of: date) -> None:
    since = as_of - timedelta(days=365)

    def recent(value: str) -> bool:
        found = day(value)
        return found is not None and since <= found <= as_of

    def person(person_id: str) -> list[str]:
        p = ssd.people.get(person_id, {})
        born = day(p.get("pers_dob"))
        age = str((as_of - born).days // 365) if born else ""
        return [
            person_id,
            GENDER.get(p.get("pers_sex", ""), "c) Not stated"),
            p.get("pers_ethnicity", ""),
            uk_date(p.get("pers_dob")),
            age,
        ]

    lists: dict[str, tuple[list[str], list[list[str]]]] = {
        "list_1.csv": (["Date of Contact", "Contact Source"], []),
        "list_3.csv": (["Date of Referral", "Referral Source", "Referral NFA?"], []),
        "list_4.csv": (
            ["Continuous Assessment Start Date", "Continuous Assessment Date of Authorisation"],
            [],
        ),
        "list_5.csv": (["Strategy discussion initiating Section 47 Enquiry Start Date"], []),
        "list_7.csv": (
            [
                "Child Protection Plan Start Date",
                "Initial Category of Abuse",
                "Latest Category of Abuse",
                "Child Protection Plan End Date",
            ],
            [],
        ),
        "list_8.csv": (
            [
                "Date Started to be Looked After",
                "Child's Category of Need",
                "Date Ceased to be Looked After",
                "Reason Ceased to be Looked After",
            ],
            [],
        ),
    }
    for pid, contacts in sorted(ssd.contacts.items()):
        for c in contacts:
            if recent(c["cont_contact_date"]):
                lists["list_1.csv"][1].append(
                    person(pid) + [uk_date(c["cont_contact_date"]), c["cont_contact_source_code"]]
                )
    for pid, refs in sorted(ssd.referrals.items()):
        for r in refs:
            if recent(r["cine_referral_date"]):
                lists["list_3.csv"][1].append(
                    person(pid)
                    + [
                        uk_date(r["cine_referral_date"]),
                        r["cine_referral_source_code"],
                        "Yes" if r["cine_referral_nfa"] == "Y" else "No",
                    ]
                )
            for a in ssd.assessments[r["cine_referral_id"]]:
                if recent(a["cina_assessment_start_date"]):
                    lists["list_4.csv"][1].append(
                        person(pid)
                        + [
                            uk_date(a["cina_assessment_start_date"]),
                            uk_date(a["cina_assessment_auth_date"]),
                        ]
                    )
            for s in ssd.s47[r["cine_referral_id"]]:
                if recent(s["s47e_s47_start_date"]):
                    lists["list_5.csv"][1].append(person(pid) + [uk_date(s["s47e_s47_start_date"])])
            for p in ssd.cp[r["cine_referral_id"]]:
                if recent(p["cppl_cp_plan_start_date"]) or not p["cppl_cp_plan_end_date"]:
                    lists["list_7.csv"][1].append(
                        person(pid)
                        + [
                            uk_date(p["cppl_cp_plan_start_date"]),
                            p["cppl_cp_plan_initial_category"],
                            p["cppl_cp_plan_latest_category"],
                            uk_date(p["cppl_cp_plan_end_date"]),
                        ]
                    )
    for pid, episodes in sorted(ssd.cla.items()):
        for e in episodes:
            if recent(e["clae_cla_episode_start_date"]) or not e["clae_cla_episode_ceased_date"]:
                lists["list_8.csv"][1].append(
                    person(pid)
                    + [
                        uk_date(e["clae_cla_episode_start_date"]),
                        e["clae_cla_primary_need_code"],
                        uk_date(e["clae_cla_episode_ceased_date"]),
                        e["clae_cla_episode_ceased_reason"],
                    ]
                )
    for name, (columns, rows) in lists.items():
        table = delivery.table(name, ANNEX_PERSON + columns)
        for row in rows:
            table.row(row)
