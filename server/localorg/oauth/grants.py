"""The embedded org's token endpoint grants: authorization_code (+ PKCE S256), refresh_token (optional rotation),
JWT bearer (RS256 against the connected app's registered keys/certificates) and client_credentials.

Tokens are issued and checked through the org's SessionRegistry; answers have Salesforce's token response fields,
failures raise OAuthFailure, which the endpoint turns into `{"error", "error_description"}` with HTTP 400.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from salesforce_flow_mcp.localorg.oauth.connected_apps import ConnectedApp, ConnectedApps
from salesforce_flow_mcp.localorg.oauth.single_use import SingleUse
from salesforce_flow_mcp.localorg.store.sessions import ORG_ID
from salesforce_flow_mcp.localorg.store.state import OrgState

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CODE_LIFETIME = 600.0  # seconds; RFC 6749 recommends at most 10 minutes
JWT_MAX_LIFETIME = 300  # Salesforce wants exp within 3 minutes; allow a little more
JWT_LEEWAY = 60
SALESFORCE_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")


class OAuthFailure(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class AuthorizationCode:
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    user_id: str
    scopes: tuple[str, ...]
    expires_at: float


class TokenIssuer:
    """Runs one token request. `base_url` is where the request came in (an allowed JWT audience)."""

    def __init__(self, state: OrgState, apps: ConnectedApps, codes: SingleUse[AuthorizationCode]) -> None:
        self._state = state
        self._apps = apps
        self._codes = codes
        self._signing_key = secrets.token_bytes(32)

    async def grant(self, form: Mapping[str, str], basic: tuple[str, str] | None, base_url: str) -> dict[str, Any]:
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            return await self._authorization_code(form, basic)
        if grant_type == "refresh_token":
            return await self._refresh_token(form, basic)
        if grant_type == JWT_BEARER:
            return await self._jwt_bearer(form, base_url)
        if grant_type == "client_credentials":
            return await self._client_credentials(form, basic)
        raise OAuthFailure("unsupported_grant_type", "grant type not supported")

    # -- client authentication ---------------------------------------------------------------------------------
    def _client(self, form: Mapping[str, str], basic: tuple[str, str] | None) -> tuple[ConnectedApp, str | None]:
        client_id = form.get("client_id") or None
        secret = form.get("client_secret") or None
        if basic is not None:
            if client_id and client_id != basic[0]:
                raise OAuthFailure("invalid_client", "client_id does not match the Authorization header")
            client_id, secret = basic
        app = self._apps.get(client_id)
        if app is None:
            raise OAuthFailure("invalid_client_id", "client identifier invalid")
        if secret is not None and not app.secret_matches(secret):
            raise OAuthFailure("invalid_client", "invalid client credentials")
        return app, secret

    @staticmethod
    def _require_secret(app: ConnectedApp, secret: str | None) -> None:
        if not app.is_public and secret is None:
            raise OAuthFailure("invalid_client", "client secret required")

    # -- grants --------------------------------------------------------------------------------------------------
    async def _authorization_code(self, form: Mapping[str, str], basic: tuple[str, str] | None) -> dict[str, Any]:
        app, secret = self._client(form, basic)
        self._require_secret(app, secret)
        code = form.get("code") or ""
        grant = self._codes.take(code) if code else None
        if grant is None:
            raise OAuthFailure("invalid_grant", "invalid authorization code")
        if grant.client_id != app.client_id:
            raise OAuthFailure("invalid_grant", "authorization code was issued to another client")
        if form.get("redirect_uri") != grant.redirect_uri:
            raise OAuthFailure("invalid_grant", "redirect_uri must match the one of the authorization request")
        verifier = form.get("code_verifier")
        if grant.code_challenge is not None:
            if not verifier:
                raise OAuthFailure("invalid_grant", "code_verifier required")
            if not hmac.compare_digest(s256(verifier), grant.code_challenge):
                raise OAuthFailure("invalid_grant", "invalid code verifier")
        elif verifier:
            raise OAuthFailure("invalid_grant", "code_verifier sent without a code_challenge")
        want_refresh = "refresh_token" in grant.scopes or "offline_access" in grant.scopes

        def issue() -> tuple[str, str | None]:
            sessions, user, client = self._state.sessions, grant.user_id, app.client_id
            refresh = sessions.issue_refresh_token(user_id=user, client_id=client) if want_refresh else None
            access = sessions.issue_access_token(user_id=user, client_id=client, refresh_token=refresh)
            return access, refresh

        access, refresh = await self._state.call(issue)
        return self._response(access, refresh, grant.user_id, grant.scopes)

    async def _refresh_token(self, form: Mapping[str, str], basic: tuple[str, str] | None) -> dict[str, Any]:
        app, secret = self._client(form, basic)
        self._require_secret(app, secret)
        token = form.get("refresh_token") or ""
        if not token:
            raise OAuthFailure("invalid_request", "refresh_token required")
        sessions = self._state.sessions

        def exchange() -> tuple[str, str | None, str] | None:
            info = sessions.refresh_info(token)
            result = sessions.exchange_refresh_token(token, app.client_id, rotate=app.rotate_refresh_tokens)
            return None if result is None or info is None else (result[0], result[1], info.user_id)

        exchanged = await self._state.call(exchange)
        if exchanged is None:
            raise OAuthFailure("invalid_grant", "expired access/refresh token")
        access, rotated, user_id = exchanged
        return self._response(access, rotated, user_id, app.scopes)

    async def _jwt_bearer(self, form: Mapping[str, str], base_url: str) -> dict[str, Any]:
        assertion = form.get("assertion") or ""
        issuer = _unverified_issuer(assertion)
        app = self._apps.get(issuer)
        if app is None:
            raise OAuthFailure("invalid_client_id", "client identifier invalid")
        if not app.jwt_keys:
            raise OAuthFailure("invalid_grant", "the connected app has no certificate for the JWT bearer flow")
        audiences = {self._state.base_url.rstrip("/"), base_url.rstrip("/"), *SALESFORCE_AUDIENCES}
        claims = _verify_assertion(assertion, app, audiences)
        username = claims.get("sub")
        if not isinstance(username, str) or not username:
            raise OAuthFailure("invalid_grant", "invalid assertion: no subject")
        user_id = await self._state.call(self._user_id, username)
        if user_id is None:
            raise OAuthFailure("invalid_grant", "user hasn't approved this consumer")
        access = await self._state.call(
            lambda: self._state.sessions.issue_access_token(user_id=user_id, client_id=app.client_id)
        )
        return self._response(access, None, user_id, app.scopes)

    async def _client_credentials(self, form: Mapping[str, str], basic: tuple[str, str] | None) -> dict[str, Any]:
        app, secret = self._client(form, basic)
        if app.is_public or secret is None:
            raise OAuthFailure("invalid_client", "invalid client credentials")
        if not app.client_credentials_user:
            raise OAuthFailure("invalid_grant", "no client credentials user enabled")
        user_id = await self._state.call(self._user_id, app.client_credentials_user)
        if user_id is None:
            raise OAuthFailure("invalid_grant", "the client credentials run-as user does not exist")
        access = await self._state.call(
            lambda: self._state.sessions.issue_access_token(user_id=user_id, client_id=app.client_id)
        )
        return self._response(access, None, user_id, tuple(s for s in app.scopes if s != "refresh_token"))

    # -- helpers -------------------------------------------------------------------------------------------------
    def _user_id(self, username: str) -> str | None:
        for user in self._state.records.rows("User"):
            name = user.get("Username")
            if isinstance(name, str) and name.lower() == username.lower() and user.get("IsActive", True):
                return str(user["Id"])
        return None

    def _response(self, access: str, refresh: str | None, user_id: str, scopes: tuple[str, ...]) -> dict[str, Any]:
        base = self._state.base_url.rstrip("/")
        issued_at = str(int(time.time() * 1000))
        identity = f"{base}/id/{ORG_ID}/{user_id}"
        signature = hmac.new(self._signing_key, (identity + issued_at).encode(), hashlib.sha256).digest()
        body: dict[str, Any] = {"access_token": access}
        if refresh is not None:
            body["refresh_token"] = refresh
        body.update(
            signature=base64.b64encode(signature).decode("ascii"),
            scope=" ".join(scopes),
            instance_url=base,
            id=identity,
            token_type="Bearer",
            issued_at=issued_at,
        )
        return body


def _unverified_issuer(assertion: str) -> str:
    """The `iss` claim, read before verification only to find which app's keys to verify with."""
    parts = assertion.split(".")
    if len(parts) != 3 or len(assertion) > 16 * 1024:
        raise OAuthFailure("invalid_grant", "invalid assertion")
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        raise OAuthFailure("invalid_grant", "invalid assertion") from None
    issuer = payload.get("iss") if isinstance(payload, dict) else None
    if not isinstance(issuer, str) or not issuer:
        raise OAuthFailure("invalid_grant", "invalid assertion: no issuer")
    return issuer


def _public_key(pem: str) -> RSAKey:
    data = pem.encode("ascii")
    if b"CERTIFICATE" in data:
        public = x509.load_pem_x509_certificate(data).public_key()
        return RSAKey.import_key(public)  # type: ignore[arg-type]  # an RSA certificate is what the app registers
    return RSAKey.import_key(data)


def _verify_assertion(assertion: str, app: ConnectedApp, audiences: set[str]) -> dict[str, Any]:
    token = None
    for pem in app.jwt_keys:
        try:
            token = jwt.decode(assertion, _public_key(pem), algorithms=["RS256"])
            break
        except (JoseError, ValueError, TypeError):
            continue
    if token is None:
        raise OAuthFailure("invalid_grant", "invalid assertion: signature does not match the app's certificate")
    claims = dict(token.claims)
    if claims.get("iss") != app.client_id:
        raise OAuthFailure("invalid_grant", "invalid assertion: issuer")
    aud = claims.get("aud")
    aud_values = aud if isinstance(aud, list) else [aud]
    if not any(isinstance(a, str) and a.rstrip("/") in audiences for a in aud_values):
        raise OAuthFailure("invalid_grant", "audience is invalid")
    exp = claims.get("exp")
    now = time.time()
    if not isinstance(exp, int | float) or exp + JWT_LEEWAY < now:
        raise OAuthFailure("invalid_grant", "expired authorization code")  # Salesforce's wording for a stale JWT
    if exp > now + JWT_MAX_LIFETIME + JWT_LEEWAY:
        raise OAuthFailure("invalid_grant", "invalid assertion: exp is more than 3 minutes ahead")
    return claims
