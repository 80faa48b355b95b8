"""A real OpenID Connect provider for the browser tests, on loopback over TLS: authlib's
authorization server in Flask, served by werkzeug in a background thread.

It is what a partnership's identity provider does, in small: a discovery document, its
signing keys (RS256), an authorization endpoint that asks for a password and then, for a
person enrolled with an authenticator app, a TOTP code (``pyotp``); the token endpoint
(authorization code with PKCE), userinfo (where the groups and agency are, as many providers
send them), and an end-session endpoint that ends the provider's own, server-side session.
Its certificate is issued by a private CA (tests/support/private_ca.py): joinedup trusts it
through ``JOINEDUP_OIDC_CA_BUNDLE``, as a partnership with its own CA would. What it keeps
is in tests/support/oidc_records.py.
"""

from __future__ import annotations

import logging
import secrets
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from pathlib import Path
from typing import Any

from tests.support.oidc_records import (
    ISSUER_NAME,
    MULTI_FACTOR_ACR,
    PASSWORD_ACR,
    Client,
    Code,
    Person,
    Provider,
    SignedIn,
    Token,
)
from tests.support.private_ca import make_certificates

__all__ = ["ISSUER_NAME", "Person", "Provider", "make_certificates", "running_provider"]


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><title>{escape(title)} - {ISSUER_NAME}</title>"
        f"</head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def _form(action: str, fields: str, button: str, error: str = "") -> str:
    shown = f"<p role='alert'>{escape(error)}</p>" if error else ""
    return f"{shown}<form method='post' action='{action}'>{fields}<button>{button}</button></form>"


def create_app(provider: Provider) -> Any:  # noqa: C901 - one closure per endpoint
    import pyotp
    from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
    from authlib.oauth2.rfc6749 import grants
    from authlib.oauth2.rfc6749.errors import OAuth2Error
    from authlib.oauth2.rfc6750 import BearerTokenValidator
    from authlib.oauth2.rfc7636 import CodeChallenge
    from authlib.oidc.core import UserInfo, UserInfoEndpoint
    from authlib.oidc.core.grants import OpenIDCode
    from flask import Flask, redirect, request, session
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    signing_key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
    app = Flask("exampleshire_idp")
    app.secret_key = secrets.token_bytes(32)
    app.config.update(
        SESSION_COOKIE_NAME="idp_session",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )

    def claims_of(person: Person, scope: str, *, everything: bool) -> UserInfo:
        info = UserInfo(sub=person.sub, preferred_username=person.username)
        for name in ("name", "email"):
            if name in person.claims:
                info[name] = person.claims[name]
        if everything:  # userinfo: the groups and agency too
            info.update({k: v for k, v in person.claims.items() if k not in info})
        return info

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

        def save_authorization_code(self, code: str, request: Any) -> None:
            data = request.payload.data
            provider.codes[code] = Code(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                who=request.user,
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                expires_at=time.time() + 300,
            )

        def query_authorization_code(self, code: str, client: Client) -> Code | None:
            found = provider.codes.get(code)
            if found and found.client_id == client.client_id and found.expires_at > time.time():
                return found
            return None

        def delete_authorization_code(self, authorization_code: Code) -> None:
            provider.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code: Code) -> Person:
            return authorization_code.who.person

    class OpenID(OpenIDCode):
        def exists_nonce(self, nonce: str, request: Any) -> bool:
            return any(c.nonce == nonce for c in provider.codes.values())

        def resolve_client_private_key(self, client: Client) -> Any:
            return signing_key

        def get_client_algorithm(self, client: Client) -> str:
            return "RS256"

        def get_encode_header(self, client: Client) -> dict[str, str]:
            return {"alg": "RS256", "kid": "k1"}

        def get_client_claims(self, client: Client) -> dict[str, Any]:
            return {"iss": provider.issuer, "aud": [client.client_id]}

        def generate_user_info(self, user: Person, scope: str) -> UserInfo:
            return claims_of(user, scope, everything=False)

    class Userinfo(UserInfoEndpoint):
        def get_issuer(self) -> str:
            return provider.issuer

        def generate_user_info(self, user: Person, scope: str) -> UserInfo:
            return claims_of(user, scope, everything=True)

        def resolve_private_key(self) -> Any:
            return signing_key

    class Bearer(BearerTokenValidator):
        def authenticate_token(self, token_string: str) -> Token | None:
            return provider.tokens.get(token_string)

    def save_token(token: dict[str, Any], request: Any) -> None:
        provider.tokens[token["access_token"]] = Token(
            token["access_token"],
            request.client,
            request.user,
            token.get("scope", ""),
            time.time() + int(token.get("expires_in", 3600)),
        )

    server = AuthorizationServer(app, query_client=provider.clients.get, save_token=save_token)
    server.register_grant(CodeGrant, [CodeChallenge(required=True), OpenID(require_nonce=True)])
    protector = ResourceProtector()
    protector.register_token_validator(Bearer())
    server.register_endpoint(Userinfo(resource_protector=protector))

    def signed_in() -> SignedIn | None:
        return provider.sessions.get(session.get("sid", ""))

    @app.get("/.well-known/openid-configuration")
    def discovery() -> Any:
        base = provider.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "end_session_endpoint": f"{base}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email", "groups"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "acr_values_supported": [MULTI_FACTOR_ACR, PASSWORD_ACR],
            "claims_supported": ["sub", "name", "email", "acr", "amr", "groups", "agency"],
        }

    @app.get("/jwks")
    def jwks() -> Any:
        return {"keys": [signing_key.as_dict(private=False)]}

    @app.get("/authorize")
    def authorize() -> Any:
        who = signed_in()
        if who is None:
            session["resume"] = request.full_path
            return redirect("/login")
        try:
            grant = server.get_consent_grant(end_user=who)
        except OAuth2Error as error:
            return _page("Sign-in request refused", f"<p>{escape(error.error)}</p>"), 400
        return server.create_authorization_response(grant_user=who, grant=grant)

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        fields = (
            "<label for='username'>Username</label><input id='username' name='username'>"
            "<label for='password'>Password</label>"
            "<input id='password' name='password' type='password'>"
        )
        if request.method == "GET":
            return _page(f"Sign in to {ISSUER_NAME}", _form("/login", fields, "Continue"))
        person = provider.people.get(request.form.get("username", ""))
        if person is None or not secrets.compare_digest(
            person.password, request.form.get("password", "")
        ):
            refused = _form("/login", fields, "Continue", "Wrong username or password")
            return _page(f"Sign in to {ISSUER_NAME}", refused), 401
        if person.totp_secret:
            session["pending"] = person.username
            return redirect("/otp")
        return finish(person, ["pwd"])

    @app.route("/otp", methods=["GET", "POST"])
    def otp() -> Any:
        person = provider.people.get(session.get("pending", ""))
        if person is None or person.totp_secret is None:
            return redirect("/login")
        fields = (
            "<label for='code'>Code from your authenticator app</label>"
            "<input id='code' name='code' autocomplete='one-time-code'>"
        )
        if request.method == "GET":
            return _page("Enter your security code", _form("/otp", fields, "Verify"))
        if not pyotp.TOTP(person.totp_secret).verify(request.form.get("code", ""), valid_window=1):
            refused = _form("/otp", fields, "Verify", "That code is not right")
            return _page("Enter your security code", refused), 401
        return finish(person, ["pwd", "otp", "mfa"])

    def finish(person: Person, amr: list[str]) -> Any:
        resume = session.get("resume") or "/"
        sid = secrets.token_urlsafe(24)
        provider.sessions[sid] = SignedIn(person, amr, int(time.time()))
        session.clear()
        session["sid"] = sid
        return redirect(resume)

    @app.post("/token")
    def token() -> Any:
        return server.create_token_response()

    @app.route("/userinfo", methods=["GET", "POST"])
    def userinfo() -> Any:
        return server.create_endpoint_response("userinfo")

    @app.get("/logout")
    def end_session() -> Any:
        """OIDC RP-Initiated Logout: the hint must be an ID token this provider signed for
        the client, and the return address one the client registered."""
        back = request.args.get("post_logout_redirect_uri")
        client = None
        try:
            hint = jwt.decode(request.args.get("id_token_hint", ""), signing_key)
            audience = hint.claims.get("aud")
            audiences = audience if isinstance(audience, list) else [audience]
            client = next((provider.clients[a] for a in audiences if a in provider.clients), None)
        except Exception:  # noqa: BLE001 - a bad hint: signed out, but not sent back
            client = None
        sid = session.get("sid", "")
        if provider.sessions.pop(sid, None) is not None:
            provider.ended_sessions += 1
        session.clear()
        if back and client is not None and back in client.post_logout_redirect_uris:
            return redirect(back)
        return _page("You have signed out", "<p>You can close this window.</p>")

    return app


@contextmanager
def running_provider(folder: Path) -> Iterator[Provider]:
    """The provider on a free loopback port over TLS until the block ends."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    ca_bundle, certificate, key = make_certificates(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    placeholder = Provider(issuer="", ca_bundle=ca_bundle)
    server = make_server(
        "127.0.0.1", 0, create_app(placeholder), threaded=True, ssl_context=context
    )
    placeholder.issuer = f"https://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield placeholder
    finally:
        server.shutdown()
        thread.join(timeout=10)


def oidc_environment(provider: Provider, client: Client) -> dict[str, str]:
    """The joinedup settings that point at ``provider`` as ``client``."""
    return {
        "JOINEDUP_OIDC_ISSUER": provider.issuer,
        "JOINEDUP_OIDC_CLIENT_ID": client.client_id,
        "JOINEDUP_OIDC_CLIENT_SECRET": client.client_secret,
        "JOINEDUP_OIDC_CA_BUNDLE": str(provider.ca_bundle),
        "JOINEDUP_OIDC_SCOPE": "openid profile email groups",
        "JOINEDUP_OIDC_ROLE_CLAIM": "groups",
    }


def totp_now(secret: str) -> str:
    import pyotp

    return str(pyotp.TOTP(secret).now())
