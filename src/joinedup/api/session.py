"""Signing in and out through the API, and declaring the session's purpose."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from joinedup.accounts.model import Session
from joinedup.governance.purposes import Purpose
from joinedup.governance.reader import purposes_for
from joinedup.governance.roles import Role
from joinedup.governance.uses import SESSION
from joinedup.http.auth import (
    SESSION_COOKIE,
    client_address,
    current_session,
    engine_of,
    governed,
    set_session_cookie,
)
from joinedup.services import accounts as account_service

router = APIRouter(tags=["session"])


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class PurposeChoice(BaseModel):
    purpose: Purpose


class SessionOut(BaseModel):
    username: str
    display_name: str
    role: Role
    agency: str
    team: str | None
    purpose: Purpose | None
    purposes: list[Purpose] = Field(description="the purposes this role may declare")
    csrf_token: str = Field(description="send it as X-CSRF-Token on unsafe requests")


def session_out(session: Session) -> SessionOut:
    account = session.account
    return SessionOut(
        username=account.username,
        display_name=account.display_name,
        role=Role(account.role),
        agency=account.agency,
        team=account.team,
        purpose=Purpose(session.purpose) if session.purpose else None,
        purposes=purposes_for(account.role),
        csrf_token=session.csrf_token,
    )


@router.post(
    "/session",
    status_code=201,
    response_model=SessionOut,
    openapi_extra={"x-roles": [], "x-purposes": [], "x-public": True},
)
def sign_in(credentials: Credentials, request: Request) -> Response:
    """Sign in with a local account: sets the session cookie (HttpOnly, Secure,
    SameSite=Lax) and returns the CSRF token to send on unsafe requests."""
    token, session = account_service.sign_in(
        engine_of(request),
        credentials.username,
        credentials.password,
        source=client_address(request),
    )
    response = JSONResponse(session_out(session).model_dump(mode="json"), status_code=201)
    set_session_cookie(response, token)
    return response


@router.get("/session", response_model=SessionOut, **governed(SESSION))
def who_am_i(session: Session = Depends(current_session)) -> SessionOut:
    """The signed-in account, its declared purpose and the purposes it may declare."""
    return session_out(session)


@router.put("/session/purpose", response_model=SessionOut, **governed(SESSION))
def declare_purpose(
    choice: PurposeChoice, request: Request, session: Session = Depends(current_session)
) -> SessionOut:
    """Declare the purpose of this session (one the role may declare; audited)."""
    return session_out(account_service.declare_purpose(engine_of(request), session, choice.purpose))


@router.delete("/session", status_code=204, **governed(SESSION))
def sign_out(request: Request, session: Session = Depends(current_session)) -> Response:
    """End the session: the cookie stops working at once (audited)."""
    account_service.sign_out(engine_of(request), session)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
