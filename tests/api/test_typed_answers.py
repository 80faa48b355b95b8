"""Every API answer is described (issue 18, "typed results").

Before: 32 routes declared ``response_model=dict[str, Any]`` (or a list of them), so the
OpenAPI document said "an object" of the triage list, the audit entries, an agreement...
and FastAPI checked nothing of what they answered. Now each answer is a pydantic model,
and this walk reads the OpenAPI document and fails on any 2xx answer, or any part of one,
that is an object of undescribed keys (or an array of them), except the few open-ended
fields named in ``OPEN_ENDED``, each with why. ``test_the_walk_finds_untyped_answers``
proves the walk catches each way an answer can be untyped.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import create_engine, text

from joinedup.asgi import create_app
from joinedup.governance.reader import Reader
from joinedup.services.casework import single_view
from tests.support.webapp import LiveApp

# (model, field): open-ended by nature, so typed as a mapping of anything, and described.
OPEN_ENDED = {
    ("AuditEntry", "details"): "what an entry records differs by kind (hundreds of kinds)",
    ("PrivacyNotice", "details"): "the figures a notice was raised with, stored as raised",
    ("AlertContent", "details"): "a finding's details by catalogue field, per rule",
    ("SignedSummaryAnswer", "summary"): "a partner's summary, its sections by agreement",
    ("Exchanged", "sections"): "the sections another partnership's agreement let pass",
    ("Exchanged", "our_record"): "what this partnership holds of the child, through the gate",
}
METHODS = ("get", "post", "put", "patch", "delete")


def _ref_name(schema: dict[str, Any]) -> str:
    return str(schema["$ref"]).rsplit("/", 1)[-1]


def untyped(document: dict[str, Any], open_ended: dict[tuple[str, str], str]) -> list[str]:
    """Where the document's 2xx answers are not described: each place an object has no
    properties (nor typed values), an array has no item schema, or a schema is empty."""
    schemas = document.get("components", {}).get("schemas", {})
    found: list[str] = []
    walked: set[str] = set()

    def check(schema: Any, where: str, owner: str | None, field: str | None) -> None:
        if not isinstance(schema, dict):
            found.append(where)  # `true`: anything at all
            return
        if "$ref" in schema:
            name = _ref_name(schema)
            if name not in walked:
                walked.add(name)
                check(schemas[name], name, name, None)
            return
        branches = [s for key in ("anyOf", "oneOf", "allOf") for s in schema.get(key, [])]
        if branches:
            for branch in branches:
                if branch != {"type": "null"}:
                    check(branch, where, owner, field)
            return
        kind = schema.get("type")
        if kind == "array":
            if "items" not in schema:
                found.append(f"{where}: an array of anything")
            else:
                check(schema["items"], f"{where}[]", owner, field)
            return
        properties = schema.get("properties")
        values = schema.get("additionalProperties")
        described_values = isinstance(values, dict) and bool(values)
        if kind == "object" or properties is not None or values is not None:
            for name, inner in (properties or {}).items():
                check(inner, f"{where}.{name}", owner, name)
            if described_values:
                check(values, f"{where}{{}}", owner, field)
            elif not properties and (owner, field) not in open_ended:
                found.append(f"{where}: an object of undescribed keys")
            return
        described = kind is not None or {"const", "enum"} & set(schema)
        if not described and (owner, field) not in open_ended:
            found.append(f"{where}: anything")

    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            for status, response in operation.get("responses", {}).items():
                if not str(status).startswith("2"):
                    continue
                for media, content in response.get("content", {}).items():
                    where = f"{method.upper()} {path} {status} {media}"
                    before = len(found)
                    walked.clear()  # each answer's models walked afresh
                    if "schema" not in content:
                        found.append("no schema")
                    else:
                        check(content["schema"], "the answer", None, None)
                    found[before:] = [f"{where}: {f}" for f in found[before:]]
    return found


def open_ended_fields(document: dict[str, Any]) -> set[tuple[str, str]]:
    schemas = document.get("components", {}).get("schemas", {})
    return {
        (model, field)
        for model, schema in schemas.items()
        for field in schema.get("properties", {})
        if (model, field) in OPEN_ENDED
    }


def the_document() -> dict[str, Any]:
    return create_app(create_engine("sqlite://")).openapi()


def test_every_answer_of_the_api_is_described() -> None:
    document = the_document()
    assert untyped(document, OPEN_ENDED) == []
    answered = [
        (path, method)
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
        and any(
            str(s).startswith("2") and r.get("content")
            for s, r in item[method]["responses"].items()
        )
    ]
    assert len(answered) >= 35, answered
    # Each open-ended field exists (no stale exception) and says what it holds.
    assert open_ended_fields(document) == set(OPEN_ENDED)
    schemas = document["components"]["schemas"]
    for model, field in OPEN_ENDED:
        assert "open-ended" in schemas[model]["properties"][field].get("description", "")


ATTRIBUTES = {"urn", "entry_date", "fsm_eligible", "sen_provision", "ethnicity", "pnc_id"}


def test_a_field_the_reader_may_not_see_stays_absent(live_app: LiveApp) -> None:
    """The single view's identities carry an attribute (school, free school meals,
    ethnicity...) only when its field is allowed: absent, not null, as before the answer was
    typed (a model answered with its defaults would say ``"urn": null`` of every record).
    And the API answers exactly what the service found."""
    user = live_app.users["SOCIAL_WORKER"]
    with live_app.engine.connect() as connection:
        person = connection.execute(
            text(
                "select lr.person_id from involvement i join linkage_record lr"
                " on lr.agency_id = i.agency_id and lr.source_id = i.person_source_id"
                " where i.agency_id = 'social_care' and i.practitioner_key = :k"
                " and i.end_date is null order by lr.person_id limit 1"
            ),
            {"k": user["practitioner_key"]},
        ).scalar_one()
    client = live_app.api_session("SOCIAL_WORKER")
    purpose = "LEAD_PRACTITIONER_CASEWORK"
    assert client.put("/api/v1/session/purpose", json={"purpose": purpose}).status_code == 200
    answer = client.get(f"/api/v1/people/{person}").json()
    identities = answer["identities"]
    assert len(identities) >= 2, "a child known to social care and another agency"
    for identity in identities:
        assert all(identity[k] is not None for k in ATTRIBUTES & set(identity)), identity
    assert any(not ATTRIBUTES & set(i) for i in identities), "some record shows none"
    reader = Reader.build(
        user_id=user["username"], role=user["role"], agency=user["agency"], purpose=purpose,
        team=user["team"], practitioner_key=user["practitioner_key"],
    )  # fmt: skip
    assert answer == single_view(live_app.engine, reader, person).as_dict()


class Described(BaseModel):
    name: str
    counts: dict[str, int]
    tags: list[str]


class Loose(BaseModel):
    name: str
    extra: dict[str, Any]


class Nested(BaseModel):
    inner: Loose


class Allowed(BaseModel):
    details: dict[str, Any] = Field(description="open-ended: anything")


class OpenToMore(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str


def a_small_app() -> FastAPI:
    app = FastAPI()

    @app.get("/dict", response_model=dict[str, Any])
    def a_dict() -> dict[str, Any]:
        return {}

    @app.get("/list", response_model=list[dict[str, Any]])
    def a_list() -> list[dict[str, Any]]:
        return []

    @app.get("/anything", response_model=Any)
    def anything() -> Any:
        return 1

    @app.get("/loose", response_model=Nested)
    def loose() -> Any:
        return None

    @app.get("/described", response_model=Described)
    def described() -> Any:
        return None

    @app.get("/allowed", response_model=list[Allowed])
    def allowed() -> Any:
        return None

    @app.get("/more", response_model=OpenToMore)
    def more() -> Any:
        return None

    @app.delete("/nothing", status_code=204)
    def nothing() -> None:
        return None

    return app


def test_the_walk_finds_untyped_answers() -> None:
    document = a_small_app().openapi()
    found = untyped(document, {("Allowed", "details"): "open-ended"})
    assert any(f.startswith("GET /dict 200") for f in found), found
    assert any(f.startswith("GET /list 200") for f in found), found
    assert any(f.startswith("GET /anything 200") for f in found), found
    assert any(f.startswith("GET /loose 200") and "Loose.extra" in f for f in found), found
    assert not any("/described" in f or "/allowed" in f or "/more" in f for f in found), found
    assert not any("/nothing" in f for f in found), found
    assert len(found) == 4, found
    # Without the exception, the open-ended field is found too.
    assert any("/allowed" in f and "Allowed.details" in f for f in untyped(document, {})), found
