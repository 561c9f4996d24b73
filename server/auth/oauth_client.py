"""Talking to a Salesforce OAuth server (login.salesforce.com, test.salesforce.com, a My Domain, or the embedded org)
with authlib's AsyncOAuth2Client over httpx2: the grants, revocation, and turning every failure into an AuthError.

authlib and joserfc are imported when an OAuthClient is made, not with this module: a server started with an access
token alone never needs them, and they are a noticeable part of a start (docs/benchmarks.md, "What profiling found").

Every answer is checked before it is used: the `instance_url` a token response names must be https (or loopback),
since the next thing we do is send the token there.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import httpx2

from .. import defaults
from .errors import AuthError, InvalidGrantError, TokenEndpointUnavailable, safe_url
from .masking import register_secret

if TYPE_CHECKING:
    from joserfc.jwk import RSAKey

PRODUCTION_LOGIN_URL = "https://login.salesforce.com"
SANDBOX_LOGIN_URL = "https://test.salesforce.com"
LOGIN_URL_ALIASES = {
    "production": PRODUCTION_LOGIN_URL,
    "prod": PRODUCTION_LOGIN_URL,
    "login": PRODUCTION_LOGIN_URL,
    "sandbox": SANDBOX_LOGIN_URL,
    "test": SANDBOX_LOGIN_URL,
}
JWT_BEARER_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"  # authlib's JWTBearerGrant.GRANT_TYPE
JWT_ASSERTION_LIFETIME = 180  # seconds; Salesforce accepts at most 3 minutes
TOKEN_TIMEOUT = httpx2.Timeout(defaults.TOKEN_TIMEOUT, connect=defaults.CONNECT_TIMEOUT)
LOGIN_AGAIN = "Run `salesforce-flow-mcp login` again."

T = TypeVar("T")


def resolve_login_url(value: str | None, default: str = PRODUCTION_LOGIN_URL) -> str:
    """`production`/`sandbox` aliases, a bare My Domain host, or a URL -> a validated base URL (no trailing slash)."""
    raw = (value or default).strip()
    url = LOGIN_URL_ALIASES.get(raw.lower(), raw)
    if "://" not in url:
        url = "https://" + url
    return safe_url(
        url, "login URL", ". Use production, sandbox, or your My Domain URL (https://NAME.my.salesforce.com)."
    )


@dataclass(frozen=True)
class OAuthEndpoints:
    base_url: str

    @property
    def authorize_url(self) -> str:
        return self.base_url + "/services/oauth2/authorize"

    @property
    def token_url(self) -> str:
        return self.base_url + "/services/oauth2/token"

    @property
    def revoke_url(self) -> str:
        return self.base_url + "/services/oauth2/revoke"


@dataclass(frozen=True)
class IssuedToken:
    """A checked token response. Salesforce sends no `expires_in`: a token is good until the org answers 401."""

    access_token: str
    instance_url: str
    refresh_token: str | None
    identity_url: str | None
    issued_at: str | None
    scope: str | None

    @classmethod
    def from_response(cls, token: Mapping[str, Any], token_url: str) -> IssuedToken:
        access = token.get("access_token")
        if not isinstance(access, str) or not access:
            raise AuthError(f"The token endpoint {token_url} answered without an access token.")
        register_secret(access)
        refresh = token.get("refresh_token")
        refresh = refresh if isinstance(refresh, str) and refresh else None
        register_secret(refresh)
        instance = token.get("instance_url")
        if not isinstance(instance, str) or not instance:
            raise AuthError(f"The token endpoint {token_url} answered without an instance_url.")
        fix = "; refusing to send the token there. Check the login URL you signed in with."
        instance = safe_url(instance, "instance_url in the token response", fix)
        return cls(
            access_token=access,
            instance_url=instance,
            refresh_token=refresh,
            identity_url=_opt_str(token.get("id")),
            issued_at=_opt_str(token.get("issued_at")),
            scope=_opt_str(token.get("scope")),
        )


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# Since September 2025 Salesforce blocks connected apps that are not installed in the org for users without "Approve
# Uninstalled Connected Apps" (help.salesforce.com 005132365); the sf CLI's PlatformCLI app is uninstalled by default
# (forcedotcom/cli#3368), and since Spring '26 new connected apps cannot be created (005228017).
UNINSTALLED_APP = (
    "the org blocks this app because it is not installed in the org (since September 2025 Salesforce blocks "
    "uninstalled connected apps, and the sf CLI's app that login uses by default is uninstalled by default): create "
    "an External Client App for this server (README: 'Sign in with your own External Client App') and run "
    "`salesforce-flow-mcp login --client-id <its consumer key>`, or ask an admin to install the app (Setup > "
    "Connected Apps OAuth Usage) or to give you the 'Approve Uninstalled Connected Apps' permission"
)
# Errors Salesforce shows on its own pages (and may send back as the redirect's `error`) rather than to the client.
BROWSER_ERROR_HINTS = {"OAUTH_APPROVAL_ERROR_GENERIC": UNINSTALLED_APP}

# What to tell the user for each OAuth error code (RFC 6749 §5.2 plus Salesforce's own).
_ERROR_HINTS = {
    "OAUTH_APPROVAL_ERROR_GENERIC": UNINSTALLED_APP,
    "invalid_client": "the org does not accept this client id or secret: check SALESFORCE_CLIENT_ID and "
    "SALESFORCE_CLIENT_SECRET (the connected app's consumer key and secret)",
    "invalid_client_id": "the org does not know this client id: check SALESFORCE_CLIENT_ID",
    "invalid_client_credentials": "the org does not accept this client secret: check SALESFORCE_CLIENT_SECRET",
    "unauthorized_client": "the connected app is not allowed to use this grant: check its OAuth settings",
    "unsupported_grant_type": "the org does not support this grant for the connected app: check its OAuth settings",
    "invalid_request": "the org rejected the request as malformed",
    "invalid_scope": "the connected app does not allow the requested scopes",
    "inactive_user": "the Salesforce user is inactive",
    "inactive_org": "the org is locked or inactive",
    "rate_limit_exceeded": "too many sign-in requests: wait a minute and try again",
}


class OAuthClient:
    """One authlib client for one connected app at one OAuth server. Every method raises AuthError on failure."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str | None = None,
        *,
        redirect_uri: str | None = None,
        scope: str | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        from authlib.integrations.httpx_client import AsyncOAuth2Client

        self.endpoints = OAuthEndpoints(safe_url(base_url, "login URL"))
        self.client_id = client_id
        self.client_secret = client_secret
        register_secret(client_secret)
        # client_secret_post: Salesforce documents the secret in the form body; no secret = public client (PKCE).
        self._client = AsyncOAuth2Client(
            client_id=client_id,
            client_secret=client_secret,
            token_endpoint_auth_method="client_secret_post" if client_secret else "none",
            revocation_endpoint_auth_method="none",
            redirect_uri=redirect_uri,
            scope=scope,
            code_challenge_method="S256",
            token_endpoint=self.endpoints.token_url,
            transport=transport,
            timeout=TOKEN_TIMEOUT,
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    def authorization_url(self, *, state: str, code_verifier: str, **extra: str) -> str:
        url, _ = self._client.create_authorization_url(
            self.endpoints.authorize_url, state=state, code_verifier=code_verifier, **extra
        )
        return str(url)

    async def exchange_code(self, authorization_response: str, *, state: str, code_verifier: str) -> IssuedToken:
        token = await self._call(
            "exchange the authorization code",
            self._client.fetch_token(
                self.endpoints.token_url,
                authorization_response=authorization_response,
                state=state,
                code_verifier=code_verifier,
            ),
            invalid_grant="the authorization code or PKCE verifier was not accepted. " + LOGIN_AGAIN,
        )
        return IssuedToken.from_response(token, self.endpoints.token_url)

    async def refresh(self, refresh_token: str) -> IssuedToken:
        token = await self._call(
            "refresh the session",
            self._client.refresh_token(self.endpoints.token_url, refresh_token=refresh_token),
            invalid_grant="the stored sign-in has expired or was revoked. " + LOGIN_AGAIN,
        )
        issued = IssuedToken.from_response(token, self.endpoints.token_url)
        # authlib copies the old refresh token into its own state when none came back; report only a rotated one.
        rotated = issued.refresh_token if issued.refresh_token != refresh_token else None
        return _replace_refresh(issued, rotated)

    async def client_credentials(self) -> IssuedToken:
        token = await self._call(
            "sign in with client credentials",
            self._client.fetch_token(self.endpoints.token_url, grant_type="client_credentials"),
            invalid_grant="the org refused the client credentials grant: enable it on the connected app and set a "
            "run-as user, and use the My Domain URL (SALESFORCE_INSTANCE_URL or SALESFORCE_LOGIN_URL)",
        )
        return IssuedToken.from_response(token, self.endpoints.token_url)

    async def jwt_bearer(self, *, username: str, private_key_pem: bytes, audience: str) -> IssuedToken:
        from authlib.oauth2.rfc7523 import JWTBearerGrant

        key = load_rsa_private_key(private_key_pem)
        now = int(time.time())
        assertion = JWTBearerGrant.sign(
            key,
            issuer=self.client_id,
            audience=audience,
            subject=username,
            issued_at=now,
            expires_at=now + JWT_ASSERTION_LIFETIME,
            alg="RS256",
        )
        token = await self._call(
            "sign in with the JWT bearer grant",
            self._client.fetch_token(
                self.endpoints.token_url, grant_type=JWT_BEARER_GRANT_TYPE, assertion=_text(assertion)
            ),
            invalid_grant=f"the org refused the JWT for user {username!r}: check SALESFORCE_USERNAME, that the "
            "connected app's certificate matches SALESFORCE_JWT_KEY_FILE, and that the user is pre-authorized",
        )
        return IssuedToken.from_response(token, self.endpoints.token_url)

    async def revoke(self, token: str) -> None:
        """Revoke a refresh (or access) token. An `invalid_token` answer means it was dead already: that is fine."""
        try:
            response = await self._client.revoke_token(self.endpoints.revoke_url, token=token)
        except httpx2.HTTPError as exc:
            raise AuthError(
                f"Could not reach {self.endpoints.revoke_url} to revoke the token ({type(exc).__name__})."
            ) from None
        if response.status_code == 200:
            return
        code = _error_code(response)
        if response.status_code == 400 and code == "invalid_token":
            return
        raise AuthError(f"The org did not revoke the token: HTTP {response.status_code} {code or ''}".rstrip() + ".")

    async def _call(self, what: str, call: Awaitable[T], *, invalid_grant: str) -> T:
        from authlib.integrations.base_client import OAuthError
        from authlib.oauth2.rfc6749.errors import MissingCodeException

        url = self.endpoints.token_url
        try:
            return await call
        except MissingCodeException:
            raise AuthError(f"Could not {what}: the redirect carried no authorization code. " + LOGIN_AGAIN) from None
        except OAuthError as exc:
            code = str(exc.error or "oauth_error")
            hint = invalid_grant if code == "invalid_grant" else _ERROR_HINTS.get(code, "see the org's message")
            if code == "invalid_client" and "must be installed" in str(exc.description or ""):
                hint = UNINSTALLED_APP
            detail = f" ({exc.description})" if exc.description else ""
            message = f"Could not {what}: {code}{detail}: {hint.rstrip('.')}."
            raise (InvalidGrantError(message) if code == "invalid_grant" else AuthError(message)) from None
        except httpx2.HTTPStatusError as exc:
            status = exc.response.status_code
            error = TokenEndpointUnavailable if status >= 500 else AuthError
            tail = "try again later" if status >= 500 else "check the login URL"
            raise error(f"Could not {what}: the token endpoint {url} answered HTTP {status}; {tail}.") from None
        except httpx2.HTTPError as exc:
            raise TokenEndpointUnavailable(
                f"Could not {what}: {url} is unreachable ({type(exc).__name__}); check the network."
            ) from None
        except ValueError:  # a 2xx/4xx body that is not a JSON object (an HTML error page, a proxy)
            raise AuthError(f"Could not {what}: {url} did not answer like a Salesforce token endpoint.") from None


def _replace_refresh(issued: IssuedToken, refresh_token: str | None) -> IssuedToken:
    return IssuedToken(
        issued.access_token, issued.instance_url, refresh_token, issued.identity_url, issued.issued_at, issued.scope
    )


def _error_code(response: httpx2.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("error") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


def _text(value: str | bytes) -> str:
    return value.decode("ascii") if isinstance(value, bytes) else value


def load_rsa_private_key(pem: bytes) -> RSAKey:
    """The RSA private key of a PEM file, or an AuthError saying what is wrong with it."""
    from joserfc.jwk import RSAKey

    try:
        key = RSAKey.import_key(pem)
    except Exception as exc:  # joserfc/cryptography raise several types for a bad key file
        raise AuthError(f"SALESFORCE_JWT_KEY_FILE is not a PEM RSA private key ({type(exc).__name__}).") from None
    if not key.is_private:
        raise AuthError("SALESFORCE_JWT_KEY_FILE holds a public key; the JWT bearer grant needs the private key.")
    return key
