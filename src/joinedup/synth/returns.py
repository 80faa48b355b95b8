"""The returns children's social care already makes, written from the generated SSD delivery.

In: a generated partnership (its ``social_care/`` SSD tables). Out: three more social care
deliveries beside it, each with its manifest, describing the same children with the same
recording errors: ``social_care_cin_census/`` (``cin-census-xml/1``: every child with a CIN
episode, with its assessments and factors, section 47s and CP plans, valid against the DfE
XSD), ``social_care_ssda903/`` (``ssda903-csv/1``: looked-after children's header,
episodes and missing episodes) and ``social_care_annex_a/`` (``annex-a-csv/1``: lists 1, 3,
4, 5, 7 and 8 for the year before the extract). The LA child id is the SSD person id
throughout, as in an authority whose returns come from one case system.

Codes the DfE schema does not allow are left out where the element is optional (the XSD is
read for its enumerations), so every generated census validates.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

from joinedup.ingest.feed_writer import Delivery
from joinedup.synth.returns_annex_a import write_annex_a
from joinedup.synth.returns_common import Ssd, iso_date, uk_date

XSD = Path(__file__).resolve().parents[1] / "ingest" / "data" / "CIN_schema_2024.xsd"
FOLDERS = {
    "cin-census-xml/1": "social_care_cin_census",
    "ssda903-csv/1": "social_care_ssda903",
    "annex-a-csv/1": "social_care_annex_a",
}
SEX_903 = {"M": "1", "F": "2"}


@cache
def allowed(simple_type: str) -> frozenset[str]:
    """The enumeration of one simple type of the DfE CIN census schema."""
    ns = {"xs": "http://www.w3.org/2001/XMLSchema"}
    tree = etree.parse(str(XSD))
    values = tree.xpath(
        f"//xs:simpleType[@name='{simple_type}']//xs:enumeration/@value", namespaces=ns
    )
    return frozenset(str(v) for v in values)


def _el(name: str, value: str) -> str:
    return f"<{name}>{escape(value)}</{name}>" if value else ""


def _wrap(name: str, inner: str) -> str:
    """An element around elements already written (and escaped) by ``_el``."""
    return f"<{name}>{inner}</{name}>"


def _code(value: str | None, simple_type: str) -> str:
    return value if value and value in allowed(simple_type) else ""


def _child_xml(person_id: str, ssd: Ssd) -> str | None:
    person = ssd.people.get(person_id, {})
    episodes = []
    for ref in ssd.referrals[person_id]:
        started = iso_date(ref["cine_referral_date"])
        source = _code(ref["cine_referral_source_code"], "referralsourcetype") or "9"
        if not started:
            continue
        parts = [
            _el("CINreferralDate", started),
            _el("ReferralSource", source),
            _el("PrimaryNeedCode", _code(ref["cine_cin_primary_need_code"], "primaryneedcodetype")),
        ]
        closed = iso_date(ref["cine_close_date"])
        if closed:
            parts.append(_el("CINclosureDate", closed))
            parts.append(
                _el("ReasonForClosure", _code(ref["cine_close_reason"], "reasonforclosuretype"))
            )
        for a in ssd.assessments[ref["cine_referral_id"]]:
            if not (start := iso_date(a["cina_assessment_start_date"])):
                continue
            factors = [
                f
                for f in ssd.factors.get(a["cina_assessment_id"], [])
                if f in allowed("assessmentfactorstype")
            ]
            found = "".join(_el("AssessmentFactors", f) for f in factors)
            parts.append(
                "<Assessments>"
                + _el("AssessmentActualStartDate", start)
                + _el("AssessmentAuthorisationDate", iso_date(a["cina_assessment_auth_date"]))
                + (
                    f"<FactorsIdentifiedAtAssessment>{found}</FactorsIdentifiedAtAssessment>"
                    if found
                    else ""
                )
                + "</Assessments>"
            )
        for s in ssd.s47[ref["cine_referral_id"]]:
            if start := iso_date(s["s47e_s47_start_date"]):
                parts.append(
                    "<Section47>"
                    + _el("S47ActualStartDate", start)
                    + "<ICPCnotRequired>false</ICPCnotRequired></Section47>"
                )
        nfa = "true" if ref["cine_referral_nfa"] == "Y" else "false"
        parts.append(_el("ReferralNFA", nfa))
        for p in ssd.cp[ref["cine_referral_id"]]:
            start = iso_date(p["cppl_cp_plan_start_date"])
            initial = _code(p["cppl_cp_plan_initial_category"], "categoryofabuse")
            latest = _code(p["cppl_cp_plan_latest_category"], "categoryofabuse") or initial
            if start and initial:
                parts.append(
                    "<ChildProtectionPlans>"
                    + _el("CPPstartDate", start)
                    + _el("CPPendDate", iso_date(p["cppl_cp_plan_end_date"]))
                    + _el("InitialCategoryOfAbuse", initial)
                    + _el("LatestCategoryOfAbuse", latest)
                    + "<NumberOfPreviousCPP>1</NumberOfPreviousCPP></ChildProtectionPlans>"
                )
        episodes.append("<CINdetails>" + "".join(parts) + "</CINdetails>")
    if not episodes:
        return None
    upn = ssd.upn.get(person_id, "")
    upn_ok = len(upn) == 13 and upn[0].isalpha() and upn[1:12].isdigit()
    ethnicity = _code(person.get("pers_ethnicity"), "ethnicitytype") or "NOBT"
    identifiers = (
        _el("LAchildID", person_id)
        + (_el("UPN", upn) if upn_ok else "<UPNunknown>UN5</UPNunknown>")
        + _el("PersonBirthDate", iso_date(person.get("pers_dob")))
        + _el("GenderCurrent", SEX_903.get(person.get("pers_sex", ""), "0"))
    )
    return (
        f"<Child><ChildIdentifiers>{identifiers}</ChildIdentifiers>"
        f"<ChildCharacteristics>{_el('Ethnicity', ethnicity)}</ChildCharacteristics>"
        + "".join(episodes)
        + "</Child>\n"
    )


def _cin_census(out: Path, ssd: Ssd, delivery: Delivery, as_of: date) -> None:
    handle = delivery.text_file("cin_census.xml")
    handle.fh.write(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Message>'
        + _wrap(
            "Header",
            _wrap(
                "CollectionDetails",
                _el("Collection", "CIN")
                + _el("Year", str(as_of.year))
                + _el("ReferenceDate", as_of.isoformat()),
            ),
        )
        + "\n<Children>\n"
    )
    for person_id in sorted(ssd.referrals):
        if child := _child_xml(person_id, ssd):
            handle.fh.write(child)
            handle.rows += 1
    handle.fh.write("</Children></Message>\n")


def _header_row(person_id: str, ssd: Ssd) -> list[str]:
    p = ssd.people.get(person_id, {})
    return [
        person_id,
        SEX_903.get(p.get("pers_sex", ""), ""),
        uk_date(p.get("pers_dob")),
        p.get("pers_ethnicity", ""),
        ssd.upn.get(person_id, ""),
        "",
        "",
    ]


def _ssda903(ssd: Ssd, delivery: Delivery) -> None:
    header = delivery.table(
        "header.csv", ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
    )
    episodes = delivery.table(
        "episodes.csv",
        [
            "CHILD",
            "DECOM",
            "RNE",
            "LS",
            "CIN",
            "PLACE",
            "PLACE_PROVIDER",
            "DEC",
            "REC",
            "REASON_PLACE_CHANGE",
            "HOME_POST",
            "PL_POST",
            "URN",
        ],
    )
    missing = delivery.table("missing.csv", ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"])
    for person_id in sorted(ssd.cla):
        header.row(_header_row(person_id, ssd))
        for e in ssd.cla[person_id]:
            episodes.row(
                [
                    person_id,
                    uk_date(e["clae_cla_episode_start_date"]),
                    e["clae_cla_episode_start_reason"],
                    "C2",
                    e["clae_cla_primary_need_code"],
                    "U1",
                    "PR1",
                    uk_date(e["clae_cla_episode_ceased_date"]),
                    e["clae_cla_episode_ceased_reason"],
                    "",
                    "",
                    "",
                    "",
                ]
            )
        dob = uk_date(ssd.people.get(person_id, {}).get("pers_dob"))
        for m in ssd.missing[person_id]:
            kind = "A" if m["miss_missing_episode_type"].lower().startswith("a") else "M"
            missing.row(
                [
                    person_id,
                    dob,
                    kind,
                    uk_date(m["miss_missing_episode_start_date"]),
                    uk_date(m["miss_missing_episode_end_date"]),
                ]
            )


def write_returns(out: Path, partnership: str, extracted_at: str, as_of: date) -> dict[str, int]:
    """Write the three return deliveries beside ``out/social_care``; their row counts."""
    ssd = Ssd(out / "social_care")
    counts: dict[str, int] = {}
    for fmt, folder in FOLDERS.items():
        delivery = Delivery(out, "social_care", fmt, partnership, extracted_at, folder=folder)
        if fmt == "cin-census-xml/1":
            _cin_census(out, ssd, delivery, as_of)
        elif fmt == "ssda903-csv/1":
            _ssda903(ssd, delivery)
        else:
            write_annex_a(ssd, delivery, as_of)
        counts.update(delivery.close())
    return counts
