"""The transparency report in the web app (``/privacy/transparency``): the privacy officer
answers a subject access or transparency request, for the person or for someone with
parental responsibility, with what ``joinedup transparency`` writes: who looked at or shared
information about the person through joinedup, when, why and under which law, in plain
language, with the DPA 2018 Schedule 3 exemptions applied.

Who: the privacy officer alone (``uses.TRANSPARENCY``, as the command line). The report
names who read a person's records and why, so it is personal data about the person and
the practitioners: not a public page. Producing it is audited (``SUBJECT_ACCESS``, and a
``SAR_WITHHELD`` entry for each withholding), through ``services.stewardship``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from joinedup.accounts.model import Account
from joinedup.governance import uses
from joinedup.http import navigation
from joinedup.http.auth import current_account, engine_of, governed
from joinedup.http.templating import render
from joinedup.services import stewardship

router = APIRouter(include_in_schema=False)
PAGE = governed(uses.TRANSPARENCY, page=True)
REQUESTERS = {"self": "The person themselves", "parent": "Someone with parental responsibility"}
navigation.add(
    "Transparency reports",
    "/privacy/transparency",
    uses.TRANSPARENCY.roles,
    "Tell a person, or their parent, who looked at or shared their information, when, "
    "why and under which law.",
    75,
)


def _form(
    request: Request, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    return render(
        request,
        "privacy/transparency.html",
        {
            "title": ("Error: " if errors else "") + "Transparency report",
            "values": values,
            "errors": errors,
            "requesters": REQUESTERS,
            "report": None,
        },
        status=status,
    )


@router.get("/privacy/transparency", **PAGE)
def transparency_form(request: Request, account: Account = Depends(current_account)) -> Response:
    return _form(request, {"person": "", "requester": "self"}, {})


@router.post("/privacy/transparency", **PAGE)
def transparency_report(
    request: Request,
    person: str = Form(""),
    requester: str = Form(""),
    download: str = Form(""),
    account: Account = Depends(current_account),
) -> Response:
    """The report on the page (with what was left out, for the DPO), or with ``download``
    the reader's report alone as a file (each is a report produced, and audited)."""
    values = {"person": person.strip(), "requester": requester}
    errors = {}
    if not values["person"]:
        errors["person"] = "Enter the person's joinedup id"
    if requester not in REQUESTERS:
        errors["requester"] = "Select who is asking"
    if errors:
        return _form(request, values, errors, status=400)
    report = stewardship.transparency_report(
        engine_of(request), account, values["person"], requester=requester
    )
    if download:
        # The reader's report alone, as one HTML file to send: nothing for the DPO in it.
        name = f"transparency-{values['person']}-{report.generated_at:%Y-%m-%d}.html"
        return Response(
            report.to_html(),
            media_type="text/html; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    context: dict[str, Any] = {
        "title": "Transparency report",
        "values": values,
        "errors": {},
        "requesters": REQUESTERS,
        "report": report,
        "blocks": report.blocks(),
    }
    return render(request, "privacy/transparency.html", context)
