"""Builders for deliveries of the returns social care makes: a CIN census message of
children, and a delivery of it whose manifest matches (or, for XML that cannot be read at
all, claims one row, so that the refusal comes from the ingest)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from joinedup.ingest.reading import HeaderError
from tests.support.hostile import write_files

CIN = "cin_census.xml"


def cin_delivery(folder: Path, xml: bytes | str) -> Path:
    """A delivery of ``xml``; its manifest claims one row when the file cannot be counted."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    try:
        return write_files(folder, "social_care", {CIN: data}, feed_format="cin-census-xml/1")
    except HeaderError:
        (folder / "manifest.json").write_text(
            json.dumps(
                {
                    "agency": "social_care",
                    "format": "cin-census-xml/1",
                    "extracted_at": "2026-11-20T06:00:00Z",
                    "files": [{"path": CIN, "rows": 1, "sha256": hashlib.sha256(data).hexdigest()}],
                }
            )
        )
        return folder


def child(
    child_id: str,
    *,
    born: str = "2015-04-01",
    upn: str = "",
    referral: str = "2026-02-01",
    extra: str = "",
) -> str:
    upn_element = f"<UPN>{upn}</UPN>" if upn else "<UPNunknown>UN1</UPNunknown>"
    return f"""
    <Child>
      <ChildIdentifiers>
        <LAchildID>{child_id}</LAchildID>{upn_element}
        <PersonBirthDate>{born}</PersonBirthDate>
        <GenderCurrent>2</GenderCurrent>
      </ChildIdentifiers>
      <ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>
      <CINdetails>
        <CINreferralDate>{referral}</CINreferralDate>
        <ReferralSource>1A</ReferralSource>
        <PrimaryNeedCode>N1</PrimaryNeedCode>
        <Assessments>
          <AssessmentActualStartDate>2026-02-03</AssessmentActualStartDate>
          <FactorsIdentifiedAtAssessment>
            <AssessmentFactors>3A</AssessmentFactors>
          </FactorsIdentifiedAtAssessment>
        </Assessments>{extra}
        <ReferralNFA>false</ReferralNFA>
      </CINdetails>
    </Child>"""


def message(*children: str, root: str = "<Message>") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{root}\n'
        "  <Header><CollectionDetails><Collection>CIN</Collection><Year>2026</Year>"
        "<ReferenceDate>2026-03-31</ReferenceDate></CollectionDetails></Header>\n"
        f"  <Children>{''.join(children)}\n  </Children>\n</Message>\n"
    )
