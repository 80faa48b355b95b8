"""Signing in and out (local accounts and OIDC), and declaring a purpose."""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import urljoin, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from joinedup.accounts import oidc
from joinedup.accounts.model import NotSignedIn, Session, SignInThrottled
from joinedup.errors import BadInput, Forbidden, JoinedUpError
from joinedup.governance.purposes import PURPOSES
from joinedup.governance.reader import purposes_for
from joinedup.http.auth import (
    SESSION_COOKIE,
    client_address,
    cookies_secure,
    current_session,
    engine_of,
    optional_session,
    set_session_cookie,
)
from joinedup.http.forms import FormErrors, error_title, with_errors
from joinedup.http.security import PRE_SESSION_COOKIE
from joinedup.http.templating import render
from joinedup.services import accounts as account_service

router = APIRouter(include_in_schema=False)
OIDC_COOKIE = "joinedup_oidc"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


def safe_next(value: str | None) -> str:
    """Only a path on this site (no open redirect)."""
    value = (value or "/").strip()
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return "/"
    return value


def after_sign_in(session: Session, next_path: str) -> str:
    if purposes_for(session.account.role) and not session.purpose:
        return f"/purpose?next={next_path}"
    return next_path


def _login_form(request: Request, status: int = 200, **context: Any) -> Response:
    # One token per browser, kept after signing in: a form opened in another tab before a
    # sign-in there still carries the token its cookie holds.
    held = request.cookies.get(PRE_SESSION_COOKIE, "")
    token = held if _TOKEN.fullmatch(held) else secrets.token_urlsafe(32)
    request.state.pre_csrf = token
    context.setdefault("next", safe_next(request.query_params.get("next")))
    context.setdefault("username", "")
    context.setdefault("title", "Sign in")
    context["oidc"] = _oidc() is not None
    response = render(request, "login.html", context, status=status)
    response.set_cookie(
        PRE_SESSION_COOKIE,
        token,
        httponly=True,
        secure=cookies_secure(),
        samesite="strict",
        path="/login",
    )
    return response


def _oidc() -> oidc.OidcSettings | None:
    try:
        return oidc.OidcSettings.from_environment()
    except BadInput:
        return None


@router.get("/login")
def login_page(request: Request) -> Response:
    if optional_session(request) is not None:
        return RedirectResponse("/", status_code=303)
    response = _login_form(request)
    if SESSION_COOKIE in request.cookies:  # an ended session's: forget it
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/login")
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),  # noqa: A002 - the form field's name
) -> Response:
    earlier = optional_session(request)  # a live session this browser holds is replaced
    try:
        token, session = account_service.sign_in(
            engine_of(request), username, password, source=client_address(request)
        )
    except (NotSignedIn, SignInThrottled, Forbidden) as error:
        errors = FormErrors().add("username", str(error))
        return _login_form(
            request,
            error.http_status,
            errors=errors,
            title=error_title("Sign in", errors),
            username=username,
            next=safe_next(next),
        )
    if earlier is not None:
        account_service.sign_out(engine_of(request), earlier)
    response = RedirectResponse(after_sign_in(session, safe_next(next)), status_code=303)
    set_session_cookie(response, token)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """Sign out; a person who came from the identity provider is sent on to its logout, so
    that signing in again asks them who they are rather than finding them still signed in."""
    session = current_session(request)
    id_token = account_service.sign_out(engine_of(request), session)
    target = "/login"
    settings = _oidc()
    if id_token and settings is not None and session.account.provider == settings.issuer:
        target = oidc.logout_url(settings, id_token, _after_logout(request, settings)) or target
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _after_logout(request: Request, settings: oidc.OidcSettings) -> str:
    """Where the provider sends the browser back to after its logout: this site's sign-in
    page (register it at the provider as a post-logout redirect URI)."""
    if settings.redirect_uri:
        return urljoin(settings.redirect_uri, "/login")
    return str(request.url_for("login_page"))


def _purpose_items(session: Session, chosen: str | None) -> list[dict[str, Any]]:
    return [
        {
            "value": p.value,
            "text": PURPOSES[p].title,
            "hint": {"text": PURPOSES[p].description},
            "checked": p.value == chosen,
        }
        for p in purposes_for(session.account.role)
    ]


@router.get("/purpose")
def purpose_page(request: Request) -> Response:
    session = current_session(request)
    return _purpose_form(request, session, session.purpose, request.query_params.get("next"))


def _purpose_form(
    request: Request,
    session: Session,
    chosen: str | None,
    next_path: str | None,
    errors: FormErrors | None = None,
) -> Response:
    context = {
        "title": "Declare your purpose",
        "items": _purpose_items(session, chosen),
        "next": safe_next(next_path),
    }
    if errors:
        return render(request, "purpose.html", with_errors(context, errors), errors.status)
    return render(request, "purpose.html", context)


@router.post("/purpose")
def declare_purpose(
    request: Request,
    purpose: str = Form(""),
    next: str = Form("/"),  # noqa: A002 - the form field's name
) -> Response:
    session = current_session(request)
    if not purpose:
        errors = FormErrors().add("purpose", "Select your purpose")
        return _purpose_form(request, session, None, next, errors)
    try:
        declared = account_service.declare_purpose(engine_of(request), session, purpose)
    except BadInput as problem:
        return _purpose_form(
            request, session, None, next, FormErrors.from_problem(problem, "purpose")
        )
    request.state.session = declared
    return RedirectResponse(safe_next(next), status_code=303)


# --- OIDC ----------------------------------------------------------------------------------


def _signer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.secret_key, salt="oidc")


def _configured() -> oidc.OidcSettings:
    settings = oidc.OidcSettings.from_environment()
    if settings is None:
        raise Forbidden("sign-in through an identity provider is not configured here")
    return settings


@router.get("/auth/oidc/login")
def oidc_login(request: Request) -> Response:
    settings = _configured()
    redirect_uri = settings.redirect_uri or str(request.url_for("oidc_callback"))
    url, pending = oidc.authorization_redirect(settings, redirect_uri)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        OIDC_COOKIE,
        _signer(request).dumps(pending),
        max_age=600,
        httponly=True,
        secure=cookies_secure(),
        samesite="lax",
        path="/auth",
    )
    return response


@router.get("/auth/oidc/callback", name="oidc_callback")
def oidc_callback(request: Request) -> Response:
    settings = _configured()
    try:
        pending = _signer(request).loads(request.cookies.get(OIDC_COOKIE, ""), max_age=600)
    except BadSignature:
        raise Forbidden("the sign-in took too long or did not start here: try again") from None
    if request.query_params.get("state") != pending["state"]:
        raise Forbidden("the identity provider's answer does not match this sign-in")
    try:
        signed_in = oidc.exchange_code(settings, pending, str(request.url))
    except JoinedUpError:
        raise
    except Exception as error:  # noqa: BLE001 - any provider failure is one refusal
        raise Forbidden(
            f"the identity provider refused the sign-in ({type(error).__name__})"
        ) from None
    profile = oidc.profile_from_claims(settings, signed_in.claims)
    engine = engine_of(request)
    try:
        oidc.require_second_factor(settings, profile["role"], signed_in.claims)
    except oidc.SecondFactorMissing as refusal:
        account_service.refuse_sign_in(
            engine,
            profile["username"],
            profile["role"],
            reason="no second factor",
            via=settings.issuer,
        )
        return _second_factor_needed(request, settings, signed_in.id_token, str(refusal))
    account = account_service.oidc_account(engine, profile, provider=settings.issuer)
    earlier = optional_session(request)  # a live session this browser holds is replaced
    token, session = account_service.sign_in_account(
        engine, account, via=settings.issuer, id_token=signed_in.id_token
    )
    if earlier is not None:
        account_service.sign_out(engine, earlier)
    response = RedirectResponse(after_sign_in(session, "/"), status_code=303)
    set_session_cookie(response, token)
    response.delete_cookie(OIDC_COOKIE, path="/auth")
    return response


def _second_factor_needed(
    request: Request, settings: oidc.OidcSettings, id_token: str, detail: str
) -> Response:
    """The refusal of a privileged role that signed in without a second factor, with a way
    to sign out of the provider (its session would only sign them in the same way again)."""
    context = {
        "title": "Your sign-in needs a second factor",
        "detail": detail,
        "provider_logout": oidc.logout_url(settings, id_token, _after_logout(request, settings)),
    }
    response = render(request, "second_factor_needed.html", context, status=403)
    response.delete_cookie(OIDC_COOKIE, path="/auth")
    return response
