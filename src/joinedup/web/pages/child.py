"""Search for a child and the single view of the child and family, with what a practitioner
does from it: record a concern or an engagement, open a MASH triage case, break the glass.

Pages call the governed services only; the reader (who, role, agency, declared purpose)
comes from the session. A page that needs a purpose sends the reader to declare one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from joinedup.charts import AGENCY_COLOURS, timeline
from joinedup.errors import BadInput, Conflict, Forbidden, JoinedUpError, NotFound
from joinedup.governance import uses
from joinedup.governance.reader import Reader
from joinedup.governance.triage_cases import OUTCOMES
from joinedup.http import navigation
from joinedup.http.auth import current_reader, engine_of, governed
from joinedup.http.forms import FormErrors, with_errors
from joinedup.http.limits import RecordId
from joinedup.http.templating import render
from joinedup.services import casework_actions, child_voice
from joinedup.services.casework import single_view
from joinedup.services.casework_view import SingleView
from joinedup.services.chronology import entries_of
from joinedup.services.search import MAX_PAGE, PAGE_SIZE, Query, search_people
from joinedup.web.pages.form_actions import act_or_show_again

router = APIRouter(include_in_schema=False)
navigation.add(
    "Find a child",
    "/people",
    uses.SEARCH.roles,
    "Search by name, date of birth, NHS number, UPN or postcode, then open the "
    "child's single view across agencies.",
    10,
)

RECENT = 10  # the single view's timeline table: the newest entries, then the chronology


def _recent(model: SingleView, reader: Reader) -> dict[str, Any]:
    """The newest entries of the child's chronology (events and what was recorded here),
    and whether the reader may open the chronology itself."""
    entries = entries_of(model)
    return {
        "recent": [e.as_dict() for e in reversed(entries[-RECENT:])],
        "entries_total": len(entries),
        "can_open_chronology": uses.CHRONOLOGY.allows(reader.role, reader.purpose),
    }


DONE = {
    "concern": "Your concern was recorded and sent to the lead practitioners.",
    "engagement": "Your engagement was recorded and sent to the lead practitioners.",
    "triage": "The MASH triage case is open: a decision is due within one working day.",
    "closed": "The MASH triage case is closed with your decision; the MASH's access ends.",
    "voice": "What the child said was recorded; it is shown first in their single view.",
    "glass": "Emergency access granted. It is time-limited, flagged, and will be reviewed "
    "by the privacy officer.",
}


@router.get("/people", **governed(uses.SEARCH, page=True))
def search_page(
    request: Request,
    name: str = "",
    date_of_birth: str = "",
    nhs_number: str = "",
    upn: str = "",
    postcode: str = "",
    page: str = "1",
    reader: Reader = Depends(current_reader),
) -> Response:
    terms = {
        "name": name,
        "date_of_birth": date_of_birth,
        "nhs_number": nhs_number,
        "upn": upn,
        "postcode": postcode,
    }
    context: dict[str, Any] = {
        "title": "Find a child",
        "terms": terms,
        "results": None,
        "page_size": PAGE_SIZE,
    }
    if not any(v.strip() for v in terms.values()):
        return render(request, "child/search.html", context)
    number = int(page) if page.isdigit() and 0 < int(page) <= MAX_PAGE else 1
    try:
        found = search_people(engine_of(request), reader, Query.parse(**terms), page=number)
    except BadInput as problem:
        errors = FormErrors.from_problem(problem, "name")
        return render(request, "child/search.html", with_errors(context, errors), errors.status)
    given = {k: v for k, v in terms.items() if v.strip()}
    context["results"] = found
    context["prev_href"] = "/people?" + urlencode({**given, "page": number - 1})
    context["next_href"] = "/people?" + urlencode({**given, "page": number + 1})
    return render(request, "child/search.html", context)


@router.get("/people/{person_id}", **governed(uses.SINGLE_VIEW, page=True))
def view_page(
    person_id: str, request: Request, done: str = "", reader: Reader = Depends(current_reader)
) -> Response:
    model = single_view(engine_of(request), reader, person_id)
    view = model.as_dict()
    names = {e["agency"]: e["agency_name"] for e in view["timeline"]}
    headline = view["identities"][0] if view["identities"] else None
    return render(
        request,
        "child/view.html",
        {
            **_recent(model, reader),
            "title": (
                f"{headline['forenames']} {headline['surname']}"
                if headline
                else "Restricted record"
            ),
            "view": view,
            "headline": headline,
            "chart": timeline(view["timeline"], names),
            "colours": AGENCY_COLOURS,
            "legend": [(a, names[a]) for a in AGENCY_COLOURS if a in names],
            "done": DONE.get(done, ""),
            "triage_outcomes": OUTCOMES,
        },
    )


def _done(person_id: str, done: str) -> str:
    return f"/people/{person_id}?done={done}"


def _form_error(
    request: Request,
    person_id: str,
    reader: Reader,
    problem: JoinedUpError,
    fields: dict[str, str],
    kept: dict[str, str],
) -> Response:
    """Re-show the view with the form's error (the GOV.UK error pattern: the summary links
    to the field, the field shows it, what was typed is kept). ``fields`` maps the form's
    field names to their ids on the page, the first being the form's main field."""
    errors = FormErrors.from_problem(problem, next(iter(fields.values())), fields)
    model = single_view(engine_of(request), reader, person_id)
    view = model.as_dict()
    names = {e["agency"]: e["agency_name"] for e in view["timeline"]}
    headline = view["identities"][0] if view["identities"] else None
    title = f"{headline['forenames']} {headline['surname']}" if headline else "Restricted record"
    context = {
        "title": title,
        "view": view,
        "headline": headline,
        "chart": timeline(view["timeline"], names),
        "colours": AGENCY_COLOURS,
        "legend": [(a, names[a]) for a in AGENCY_COLOURS if a in names],
        "triage_outcomes": OUTCOMES,
        **_recent(model, reader),
        "kept": kept,
    }
    return render(request, "child/view.html", with_errors(context, errors), errors.status)


@router.post("/people/{person_id}/concerns", **governed(uses.RECORD_CONCERN, page=True))
def concern_form(
    person_id: str,
    request: Request,
    text: str = Form(""),
    kind: str = Form("CONCERN"),
    reader: Reader = Depends(current_reader),
) -> Response:
    fields = {"text": "concern-text", "kind": "kind-concern"}
    return act_or_show_again(
        lambda: casework_actions.record_concern(
            engine_of(request), reader, person_id, text, kind=kind
        ),
        _done(person_id, kind.strip().lower()),
        lambda problem: _form_error(
            request, person_id, reader, problem, fields, {"text": text, "kind": kind}
        ),
        (BadInput,),
    )


@router.post("/people/{person_id}/voice", **governed(uses.RECORD_CHILD_VOICE, page=True))
def voice_form(
    person_id: str,
    request: Request,
    words: str = Form(""),
    spoken_on: str = Form(""),
    reader: Reader = Depends(current_reader),
) -> Response:
    fields = {"words": "voice-words", "spoken_on": "voice-spoken-on"}
    kept = {"voice_words": words, "voice_spoken_on": spoken_on}
    return act_or_show_again(
        lambda: child_voice.record_voice(
            engine_of(request), reader, person_id, words, spoken_on=spoken_on
        ),
        _done(person_id, "voice"),
        lambda problem: _form_error(request, person_id, reader, problem, fields, kept),
        (BadInput, Forbidden),
    )


@router.post("/people/{person_id}/triage", **governed(uses.TRIAGE_CASE, page=True))
def triage_form(
    person_id: str,
    request: Request,
    reason: str = Form(""),
    reader: Reader = Depends(current_reader),
) -> Response:
    fields = {"reason": "triage-reason"}
    return act_or_show_again(
        lambda: casework_actions.open_triage(engine_of(request), reader, person_id, reason),
        _done(person_id, "triage"),
        lambda problem: _form_error(
            request, person_id, reader, problem, fields, {"reason": reason}
        ),
        (BadInput, Forbidden, Conflict),
    )


@router.post(
    "/people/{person_id}/triage/{case_id}/closure", **governed(uses.TRIAGE_CASE, page=True)
)
def close_triage_form(
    person_id: str,
    case_id: RecordId,
    request: Request,
    outcome: str = Form(""),
    reason: str = Form(""),
    reader: Reader = Depends(current_reader),
) -> Response:
    fields = {"outcome": f"outcome-{next(iter(OUTCOMES))}", "reason": "closing-reason"}
    kept = {"outcome": outcome, "closing_reason": reason}
    return act_or_show_again(
        lambda: casework_actions.close_triage(engine_of(request), reader, case_id, outcome, reason),
        _done(person_id, "closed"),
        lambda problem: _form_error(request, person_id, reader, problem, fields, kept),
        (BadInput, Conflict, NotFound),
    )


@router.post("/people/{person_id}/break-glass", **governed(uses.BREAK_GLASS, page=True))
def break_glass_form(
    person_id: str,
    request: Request,
    justification: str = Form(""),
    reader: Reader = Depends(current_reader),
) -> Response:
    fields = {"justification": "justification"}
    kept = {"justification": justification}
    return act_or_show_again(
        lambda: casework_actions.break_glass(engine_of(request), reader, person_id, justification),
        _done(person_id, "glass"),
        lambda problem: _form_error(request, person_id, reader, problem, fields, kept),
        (BadInput,),
    )
