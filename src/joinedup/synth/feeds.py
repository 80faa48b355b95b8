"""What a generated partnership writes to, while it is generated: every agency's open
delivery (its tables and NDJSON files), truth/, the id counters, and the reference data the
households share (schools, social workers, key workers, GP practices, each agency's lines)."""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

from joinedup.ingest.feed_writer import Delivery
from joinedup.ingest.pre_birth_plans import COLUMNS as PRE_BIRTH_COLUMNS
from joinedup.ingest.pre_birth_plans import TABLE as PRE_BIRTH_TABLE
from joinedup.synth.agencies import ADULT_AGENCIES
from joinedup.synth.contacts import (
    KEY_WORKER_TEAMS,
    ContactBook,
    ascii_slug,
    health_safeguarding,
    police_officers,
)
from joinedup.synth.education import TERM_DATE_COLUMNS, term_date_rows
from joinedup.synth.exploitation import ExploitationPlanner, start_exploitation
from joinedup.synth.extended_errors import ExtendedErrors
from joinedup.synth.interventions import InterventionPlanner
from joinedup.synth.messy import nhs_from_index, upn_for
from joinedup.synth.model import Household, iso
from joinedup.synth.population import World
from joinedup.synth.social_care import TEAMS
from joinedup.synth.ssd_schema import SSD_COLUMNS
from joinedup.synth.truth import PEOPLE_COLUMNS


class Feeds:
    """All open deliveries, id counters and shared reference data (schools, workers, GPs)."""

    def __init__(self, out: Path, w: World, children: int) -> None:
        o = w.opts
        self.opts, self.geo, self.as_of, self.window_start = o, w.geo, w.as_of, w.window_start
        self.seq: defaultdict[str, int] = defaultdict(int)
        ext = lambda h: f"{iso(w.as_of)}T{h:02d}:00:00Z"  # noqa: E731
        mk = lambda a, f, h: Delivery(out, a, f, o.partnership, ext(h))  # noqa: E731
        self.deliveries = {
            "social_care": mk("social_care", "ssd-csv/1", 5),
            "health": mk("health", "fhir-r4-bulk/1", 6),
            "police": mk("police", "pole-csv/1", 7),
            "education": mk("education", "school-census-csv/1", 8),
        }
        for i, a in enumerate(ADULT_AGENCIES):
            self.deliveries[a] = mk(a, "agency-events-csv/1", 9 + i)
        self.truth = Delivery(out, "truth", "truth/1", o.partnership, ext(4))
        d = self.deliveries
        self.contacts = ContactBook(o.partnership)
        self.organizations = d["health"].ndjson("Organization.ndjson")
        self.ssd = {
            name: d["social_care"].table(f"{name}.csv", cols) for name, cols in SSD_COLUMNS.items()
        }
        self.pre_birth_plans = d["social_care"].table(
            f"{PRE_BIRTH_TABLE}.csv", list(PRE_BIRTH_COLUMNS)
        )
        self.patient = d["health"].ndjson("Patient.ndjson")
        self.encounter = d["health"].ndjson("Encounter.ndjson")
        self.condition = d["health"].ndjson("Condition.ndjson")
        self.police_person = d["police"].table(
            "persons.csv",
            [
                "person_id",
                "forenames",
                "surname",
                "date_of_birth",
                "gender",
                "address_line",
                "postcode",
                "pnc_id",
            ],
        )
        self.incident = d["police"].table(
            "incidents.csv",
            [
                "incident_id",
                "occurred_at",
                "category",
                "postcode",
                "dash_risk",
                "summary",
                "welfare_check",
                "childrens_services_told",
            ],
        )
        self.involvement = d["police"].table(
            "involvements.csv", ["incident_id", "person_id", "role"]
        )
        ed = d["education"]
        self.schools_file = ed.table(
            "schools.csv",
            ["urn", "name", "phase", "dsl_name", "dsl_email", "dsl_phone", "office_phone"],
        )
        self.pupils = ed.table(
            "pupils.csv",
            [
                "upn",
                "former_upn",
                "legal_forename",
                "legal_surname",
                "preferred_forename",
                "preferred_surname",
                "date_of_birth",
                "sex",
                "postcode",
                "urn",
                "entry_date",
                "leaving_date",
                "fsm_eligible",
                "sen_provision",
                "ethnicity",
            ],
        )
        self.attendance = ed.table(
            "attendance.csv",
            [
                "upn",
                "urn",
                "term",
                "sessions_possible",
                "sessions_authorised_absence",
                "sessions_unauthorised_absence",
            ],
        )
        self.exclusions = ed.table(
            "exclusions.csv", ["upn", "urn", "start_date", "category", "reason", "sessions"]
        )
        terms = ed.table("term_dates.csv", TERM_DATE_COLUMNS)
        for term in term_date_rows():
            terms.row(term)
        self.adult_person = {
            a: d[a].table(
                "persons.csv",
                [
                    "person_id",
                    "forenames",
                    "surname",
                    "date_of_birth",
                    "gender",
                    "address_line",
                    "postcode",
                    "nhs_number",
                    "key_worker_name",
                    "key_worker_email",
                    "key_worker_phone",
                    "key_worker_team",
                ],
            )
            for a in ADULT_AGENCIES
        }
        self.adult_event = {
            a: d[a].table("events.csv", ["event_id", "person_id", "occurred_at", "type", "detail"])
            for a in ADULT_AGENCIES
        }
        t = self.truth
        self.records = t.table("records.csv", ["agency", "source_table", "source_id", "person_key"])
        self.extended = ExtendedErrors(w.seed) if o.error_model == "extended" else None
        self.record_errors = (
            t.table("record_errors.csv", ["agency", "source_table", "source_id", "error_kinds"])
            if self.extended is not None
            else None
        )
        self.people_t = t.table("people.csv", PEOPLE_COLUMNS)
        self.households_t = t.table(
            "households.csv", ["household_key", "from_date", "to_date", "postcode"]
        )
        self.outcomes_t = t.table("outcomes.csv", ["person_key", "outcome", "date"])
        self.patient_id: dict[str, str] = {}
        self.police_ids: dict[str, list[str]] = {}
        self.adult_ids: dict[tuple[str, str], str] = {}
        self.recorded_police: set[int] = set()
        self._seen_records: set[tuple[str, str]] = set()
        self._upn_serial: defaultdict[tuple[int, int], int] = defaultdict(int)
        rng = random.Random(w.seed * 7 + 3)
        self._reference(rng, w, children)
        self.exploitation: ExploitationPlanner | None = None
        self.home_of: dict[str, Household] = {}  # a groomer's own address, by person key
        if o.exploitation:
            start_exploitation(self, w, children)
        self.interventions: InterventionPlanner | None = None
        if o.interventions:
            self.interventions = InterventionPlanner(out, t, w.seed, w.window_start, w.as_of)

    # ---- reference data ----------------------------------------------------------------
    def _reference(self, rng: random.Random, w: World, children: int) -> None:
        nb, o = w.names, self.opts
        person = lambda: (nb.forename(rng, "british", rng.choice("MF")), nb.surname(rng, "british"))  # noqa: E731
        n_pri = max(3, round(children * 7 / 18 / 320))
        n_sec = max(1, round(children * 5 / 18 / 1000))
        n_spe = 1 + children // 60_000
        self.schools: list[tuple[str, str, str, str, int]] = []
        places = sorted({s.split(" ")[0] for s in self.geo.sectors})
        for phase, n, base, kind in (
            ("PRIMARY", n_pri, 2000, "Primary School"),
            ("SECONDARY", n_sec, 4000, "Academy"),
            ("SPECIAL", n_spe, 7000, "Special School"),
            ("PRU", 1, 1100, "Pupil Referral Unit"),
        ):
            for i in range(n):
                fn, sn = person()
                name = f"{places[i % len(places)]} {nb.surname(rng, 'british')} {kind}"
                urn = str(100_000 + 137 * len(self.schools) + rng.randrange(100))
                slug = ascii_slug(name)[:24]
                email = self.contacts.email(f"{fn} {sn}", f"{slug}.{self.contacts.la}.sch.uk")
                self.schools.append((urn, name, phase, f"{fn} {sn}", base + i))
                office = self.contacts.landline()
                self.schools_file.row(
                    [urn, name, phase, f"{fn} {sn}", email, self.contacts.mobile(), office]
                )
        self._by_phase = {
            ph: [i for i, s in enumerate(self.schools) if s[2] == ph]
            for ph in ("PRIMARY", "SECONDARY", "SPECIAL", "PRU")
        }
        self.gps = [
            f"{places[i % len(places)]} {nb.surname(rng, 'british')} Medical Practice"
            for i in range(w.n_gps)
        ]
        self.workers: dict[str, list[str]] = {}
        prof = self.ssd["ssd_professionals"]
        size = max(4, children // 1500)
        for team in TEAMS:
            ids = []
            for _ in range(size if team != "Front Door MASH" else max(3, size // 2)):
                self.seq["prof"] += 1
                pid = f"W{self.seq['prof']:05d}"
                fn, sn = person()
                title = "Family Support Worker" if team == "Early Help Hub" else "Social Worker"
                prof.row(
                    [
                        pid,
                        f"S{rng.randrange(10**6):06d}",
                        f"{fn} {sn}",
                        "" if title != "Social Worker" else f"SW{rng.randrange(10**6):06d}",
                        title,
                        str(8 + rng.randrange(14)),
                        team,
                        "1.0" if rng.random() < 0.8 else "0.6",
                        "Y" if rng.random() < 0.15 else "N",
                        self.contacts.email(f"{fn} {sn}", self.contacts.domain("social_care")),
                        self.contacts.mobile(),
                    ]
                )
                ids.append(pid)
            self.workers[team] = ids
        self.key_workers = {
            a: [person() for _ in range(max(3, children // 4000))] for a in ADULT_AGENCIES
        }
        self.key_worker_phones = {
            a: [self.contacts.mobile() for _ in names] for a, names in self.key_workers.items()
        }
        self._contact_lines(w)
        del o

    def _contact_lines(self, w: World) -> None:
        """Each agency's duty and out-of-hours lines; health's as FHIR Organizations (its
        GP practices with their telecom, and the safeguarding team with its lines)."""
        book = self.contacts
        for agency, feed in self.deliveries.items():
            if agency == "health":
                continue
            lines = feed.table(
                "service_contacts.csv", ["line_id", "kind", "service", "phone", "email", "hours"]
            )
            for row in book.service_lines(agency):
                lines.row(row)
        for i, gp in enumerate(self.gps):
            self.organizations.row(
                {
                    "resourceType": "Organization",
                    "id": f"gp-{i + 1:03d}",
                    "name": gp,
                    "telecom": [
                        {"system": "phone", "value": book.landline(), "use": "work"},
                        {"system": "email", "value": book.email(gp, "nhs.net"), "use": "work"},
                    ],
                }
            )
        self.organizations.row(health_safeguarding(book, w.opts.partnership))
        officers = self.deliveries["police"].table(
            "officers.csv", ["officer_id", "name", "rank", "team", "phone", "email"]
        )
        rng = random.Random(w.seed * 11 + 5)  # its own stream: no other value changes
        for row in police_officers(book, w.names, rng):
            officers.row(row)

    def worker(self, team: str, rng: random.Random) -> str:
        pool = self.workers[team]
        return pool[rng.randrange(len(pool))]

    def key_worker(self, agency: str, rng: random.Random) -> tuple[str, str, str, str]:
        n = rng.randrange(len(self.key_workers[agency]))
        fn, sn = self.key_workers[agency][n]
        email = self.contacts.email(f"{fn} {sn}", self.contacts.domain(agency))
        return f"{fn} {sn}", email, self.key_worker_phones[agency][n], KEY_WORKER_TEAMS[agency]

    def gp_name(self, i: int) -> str:
        return self.gps[i % len(self.gps)]

    def school_for(self, sector: int, ncy: int, rng: random.Random) -> int:
        pool = self._by_phase["PRIMARY" if ncy <= 6 else "SECONDARY"]
        return pool[(sector * 7 + (rng.randrange(3) if rng.random() < 0.2 else 0)) % len(pool)]

    def special_school(self) -> int:
        return self._by_phase["SPECIAL"][self.seq["special"] % len(self._by_phase["SPECIAL"])]

    def pru(self) -> int:
        return self._by_phase["PRU"][0]

    def allocate_upn(self, school: int, year: int) -> str:
        estab = self.schools[school][4]
        key = (estab, year)
        self._upn_serial[key] += 1
        if self._upn_serial[key] > 999:  # why: 3-digit serial; spill to a sibling number
            estab, key = estab + 500, (estab + 500, year)
            self._upn_serial[key] += 1
        return upn_for(self.opts.la_number, estab, year, self._upn_serial[key])

    def nobody_nhs(self, rng: random.Random) -> str:
        # why: valid-looking numbers from a slice of the synthetic range no person is given
        return nhs_from_index(900_000 + rng.randrange(50_000))

    # ---- truth -------------------------------------------------------------------------
    def truth_record(
        self,
        agency: str,
        table: str,
        source_id: str,
        person_key: str,
        errors: tuple[str, ...] = (),
    ) -> None:
        key = (agency + table, source_id)
        if key in self._seen_records:
            return
        self._seen_records.add(key)
        self.records.row([agency, table, source_id, person_key])
        if self.record_errors is not None and errors:
            self.record_errors.row([agency, table, source_id, ";".join(errors)])

    def outcome(self, person_key: str, what: str, day: int) -> None:
        if day < self.as_of:
            self.outcomes_t.row([person_key, what, iso(day)])

    def close(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for d in [*self.deliveries.values(), self.truth]:
            counts.update(d.close())
        if self.interventions is not None:
            counts.update(self.interventions.close())
        return counts
