"""Where the REST client gets its bearer token, in each of the sign-in modes.

Mode order — the first one that is configured supplies the first token:

1. **static token**: `SALESFORCE_ACCESS_TOKEN` (+ `SALESFORCE_INSTANCE_URL`, required).
2. **sf CLI org**: `--target-org ALIAS` / `SALESFORCE_TARGET_ORG`, an org the user logged into with the sf CLI
   (sf_cli.py); asked again on a 401, since the sf CLI refreshes its own logins.
3. **stored login**: a profile saved by `salesforce-flow-mcp login` (`SALESFORCE_PROFILE` names one; otherwise the
   default profile). Naming a profile that does not exist is an error, not a fall-through.
4. **refresh token**: `SALESFORCE_REFRESH_TOKEN` + `SALESFORCE_CLIENT_ID` [+ `SALESFORCE_CLIENT_SECRET`], against
   `SALESFORCE_LOGIN_URL`.
5. **JWT bearer**: `SALESFORCE_USERNAME` + `SALESFORCE_JWT_KEY_FILE` + `SALESFORCE_CLIENT_ID`, against
   `SALESFORCE_LOGIN_URL`.
6. **client credentials**: `SALESFORCE_CLIENT_ID` + `SALESFORCE_CLIENT_SECRET`, against the My Domain token URL
   (`SALESFORCE_INSTANCE_URL`, else a non-default `SALESFORCE_LOGIN_URL`).

Salesforce sends no `expires_in`, so nothing refreshes on a clock: when the org answers 401 INVALID_SESSION_ID the
REST client calls `refresh(rejected_token)`. Whatever the mode, when a refresh token and a client id are known (a
static token given with `SALESFORCE_REFRESH_TOKEN` + `SALESFORCE_CLIENT_ID`, a stored login, the refresh-token mode)
that refreshes; JWT bearer and client credentials re-run their grant instead; a lone static token cannot renew.
Concurrent callers share one refresh (single_flight.py).

Here: the `Credentials` protocol the REST client depends on, and the choice of mode from the settings. The modes
live in refresh_modes.py (static token, refresh token, stored login), grant_modes.py (JWT bearer, client
credentials) and sf_cli.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import httpx2

from ..config import DEFAULT_LOGIN_URL, Settings
from .errors import AuthError
from .grant_modes import ClientCredentials, JWTBearerCredentials, read_key_file
from .oauth_client import OAuthClient
from .refresh_modes import EnvRefreshToken, RefreshTokenCredentials, StaticCredentials, StoredLoginCredentials
from .token_store import TokenStore

# The modes, importable from here as they always were; each is written in the module named in the doc above.
__all__ = [
    "AuthError",
    "ClientCredentials",
    "Credentials",
    "JWTBearerCredentials",
    "RefreshTokenCredentials",
    "StaticCredentials",
    "StoredLoginCredentials",
    "credentials_from_settings",
]

NOTHING_CONFIGURED = (
    "No Salesforce org is configured. Run `salesforce-flow-mcp login` to sign in with your browser, use an org you "
    "logged into with the sf CLI (`--target-org ALIAS` or SALESFORCE_TARGET_ORG), or set "
    "SALESFORCE_INSTANCE_URL + SALESFORCE_ACCESS_TOKEN (or SALESFORCE_REFRESH_TOKEN + SALESFORCE_CLIENT_ID, or "
    "SALESFORCE_USERNAME + SALESFORCE_JWT_KEY_FILE + SALESFORCE_CLIENT_ID, or SALESFORCE_CLIENT_ID + "
    "SALESFORCE_CLIENT_SECRET with SALESFORCE_INSTANCE_URL). To try it without an org, use `--demo` (the embedded org)."
)


@runtime_checkable
class Credentials(Protocol):
    @property
    def instance_url(self) -> str:
        """Validated https-or-loopback base URL, no trailing slash."""
        ...

    @property
    def mode(self) -> str:
        """'static token', 'stored login (profile X)', 'refresh token', 'JWT bearer' or 'client credentials'."""
        ...

    async def access_token(self) -> str:
        """The current access token; fetches the first one when needed."""
        ...

    async def refresh(self, rejected_token: str) -> str:
        """A new access token after `rejected_token` got a 401 (single flight); AuthError when impossible."""
        ...

    async def aclose(self) -> None: ...


def credentials_from_settings(
    settings: Settings,
    *,
    http_transport: httpx2.AsyncBaseTransport | None = None,
    store: TokenStore | None = None,
) -> Credentials:
    """The credentials of the first configured mode (see the module doc); AuthError naming what to set otherwise.

    `http_transport` routes the token endpoint (e.g. to the embedded org in-process); `store` defaults to the
    user's token store.
    """
    s = settings
    login_url = s.login_url  # checked (https or loopback) by OAuthClient, only in the modes that use it
    if s.access_token:
        if not s.instance_url:
            raise AuthError("SALESFORCE_ACCESS_TOKEN is set but SALESFORCE_INSTANCE_URL is not: set the org's URL.")
        refresher = None
        if s.refresh_token and s.client_id:  # it can renew itself on a 401
            oauth = OAuthClient(login_url, s.client_id, s.client_secret, transport=http_transport)
            kept_in = store if store is not None else TokenStore()
            refresher = EnvRefreshToken(oauth, s.refresh_token, kept_in, s.instance_url)
        return StaticCredentials(s.instance_url, s.access_token, refresher=refresher)

    if s.target_org:
        from .sf_cli import SfCliCredentials

        return SfCliCredentials(s.target_org)

    store = store if store is not None else TokenStore()
    stored = store.load(s.profile)
    if stored is not None:
        return StoredLoginCredentials(store, stored, http_transport=http_transport)
    if s.profile:
        raise AuthError(
            f"There is no stored login named {s.profile!r}: run `salesforce-flow-mcp login --profile {s.profile}` "
            "or unset SALESFORCE_PROFILE."
        )

    if s.refresh_token:
        if not s.client_id:
            raise AuthError("SALESFORCE_REFRESH_TOKEN needs SALESFORCE_CLIENT_ID (the connected app's consumer key).")
        oauth = OAuthClient(login_url, s.client_id, s.client_secret, transport=http_transport)
        return RefreshTokenCredentials(EnvRefreshToken(oauth, s.refresh_token, store, s.instance_url), s.instance_url)

    if s.username or s.jwt_key_file:
        missing = [
            name
            for name, value in (
                ("SALESFORCE_USERNAME", s.username),
                ("SALESFORCE_JWT_KEY_FILE", s.jwt_key_file),
                ("SALESFORCE_CLIENT_ID", s.client_id),
            )
            if not value
        ]
        if missing:
            raise AuthError(f"The JWT bearer sign-in also needs {' and '.join(missing)}.")
        assert s.username and s.jwt_key_file and s.client_id
        key_pem = read_key_file(Path(s.jwt_key_file).expanduser())
        oauth = OAuthClient(login_url, s.client_id, transport=http_transport)
        return JWTBearerCredentials(
            oauth,
            username=s.username,
            private_key_pem=key_pem,
            instance_url=s.instance_url,
            http_transport=http_transport,
        )

    if s.client_id and s.client_secret:
        my_domain = s.instance_url or (login_url if login_url.rstrip("/") != DEFAULT_LOGIN_URL else None)
        if not my_domain:
            raise AuthError(
                "The client credentials sign-in must use your My Domain: set SALESFORCE_INSTANCE_URL "
                "(https://NAME.my.salesforce.com)."
            )
        return ClientCredentials(OAuthClient(my_domain, s.client_id, s.client_secret, transport=http_transport))

    if s.client_id:
        raise AuthError(
            "SALESFORCE_CLIENT_ID alone is not enough: add SALESFORCE_CLIENT_SECRET (client credentials), "
            "SALESFORCE_REFRESH_TOKEN, or SALESFORCE_USERNAME + SALESFORCE_JWT_KEY_FILE; or run "
            "`salesforce-flow-mcp login`."
        )
    raise AuthError(NOTHING_CONFIGURED)
