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
Concurrent callers share one refresh (single flight): the first one renews, the others wait on the lock and, seeing
that the current token is no longer the one they were refused with, take the new one.
"""

from __future__ import annotations

import hashlib
import logging
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

import anyio
import anyio.from_thread
import anyio.to_thread
import httpx2

from ..config import DEFAULT_LOGIN_URL, Settings
from ..urls import UnsafeURLError, require_safe_url
from .errors import AuthError, InvalidGrantError
from .masking import register_secret
from .oauth_client import LOGIN_AGAIN, PRODUCTION_LOGIN_URL, SANDBOX_LOGIN_URL, IssuedToken, OAuthClient
from .token_store import StoredLogin, TokenStore

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

logger = logging.getLogger(__name__)

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


def _safe_instance_url(url: str, what: str = "SALESFORCE_INSTANCE_URL") -> str:
    try:
        return require_safe_url(url, what)
    except UnsafeURLError as exc:
        raise AuthError(str(exc)) from None


class _SingleFlight(ABC):
    """Token caching and one-refresh-for-everyone, shared by every mode."""

    mode: str

    def __init__(self, instance_url: str | None, oauth: OAuthClient | None = None) -> None:
        self._instance_url = _safe_instance_url(instance_url) if instance_url else None
        self._oauth = oauth
        self._token: str | None = None
        self._lock = anyio.Lock()

    @property
    def instance_url(self) -> str:
        if self._instance_url is None:
            # Only the modes that learn the instance from the token response get here, before their first token.
            raise RuntimeError(f"{self.mode}: the instance URL is known after the first access_token() call")
        return self._instance_url

    async def access_token(self) -> str:
        if self._token is None:
            async with self._lock:
                if self._token is None:
                    self._token = await self._first_token()
        return self._token

    async def refresh(self, rejected_token: str) -> str:
        async with self._lock:
            if self._token is not None and self._token != rejected_token:
                return self._token  # someone refreshed while we waited
            self._token = await self._renew(rejected_token)
            return self._token

    async def aclose(self) -> None:
        if self._oauth is not None:
            await self._oauth.aclose()

    def _adopt(self, issued: IssuedToken) -> str:
        if self._instance_url is not None and issued.instance_url != self._instance_url:
            logger.info("The token response moved the instance URL to %s", issued.instance_url)
        self._instance_url = issued.instance_url
        return issued.access_token

    @abstractmethod
    async def _first_token(self) -> str: ...

    @abstractmethod
    async def _renew(self, rejected_token: str) -> str: ...


def env_profile_name(login_url: str, client_id: str, refresh_token: str, instance_url: str | None) -> str:
    """The token-store profile that keeps what became of a SALESFORCE_REFRESH_TOKEN: keyed by the org (its login and
    instance URL), the client id and the grant (a fingerprint of the refresh token as the environment gives it, which
    stays the same across restarts while the org rotates the real one)."""
    key = "\n".join((login_url, instance_url or "", client_id, refresh_token)).encode()
    return "env-" + hashlib.sha256(key).hexdigest()[:20]


class _EnvRefreshToken:
    """A refresh token that comes from the environment. When the org rotates it, the new one is kept in the token
    store (profile `env_profile_name(...)`, never the default profile) and used from then on, after restarts too;
    the refresh runs under the store's lock, like a stored login's, so two processes never spend the same token."""

    def __init__(
        self, oauth: OAuthClient, refresh_token: str, store: TokenStore | None, instance_url: str | None = None
    ) -> None:
        register_secret(refresh_token)
        self.oauth = oauth
        self.refresh_token = refresh_token
        self._store = store
        self._profile = env_profile_name(oauth.endpoints.base_url, oauth.client_id, refresh_token, instance_url)

    def kept(self) -> StoredLogin | None:
        """What an earlier refresh kept (its tokens registered as secrets), or None."""
        if self._store is None:
            return None
        try:
            login = self._store.load(self._profile)
        except AuthError as exc:
            logger.warning("Ignoring the kept refresh of SALESFORCE_REFRESH_TOKEN: %s", exc)
            return None
        if login is not None:
            register_secret(login.access_token)
            register_secret(login.refresh_token)
        return login

    async def refresh(self, rejected_token: str | None = None) -> IssuedToken:
        if self._store is None:
            return self._rotated(await self.oauth.refresh(self.refresh_token), None)
        return await anyio.to_thread.run_sync(self._refresh_locked, rejected_token)

    def _refresh_locked(self, rejected_token: str | None) -> IssuedToken:
        assert self._store is not None
        with self._store.locked():
            kept = self.kept()
            if kept is not None and rejected_token is not None and kept.access_token != rejected_token:
                return _issued_from(kept)  # another process refreshed meanwhile
            token = kept.refresh_token if kept is not None and kept.refresh_token else self.refresh_token
            try:
                issued = anyio.from_thread.run(self.oauth.refresh, token)
            except InvalidGrantError:
                again = self.kept()
                if again is not None and again.refresh_token != token:
                    return _issued_from(again)
                raise
            return self._rotated(issued, kept)

    def _rotated(self, issued: IssuedToken, kept: StoredLogin | None) -> IssuedToken:
        if issued.refresh_token:
            self.refresh_token = issued.refresh_token
        if self._store is None:
            if issued.refresh_token:
                logger.warning("The org rotated the refresh token; it is kept in memory only (no token store).")
            return issued
        if issued.refresh_token or kept is not None:
            login = StoredLogin(
                profile=self._profile,
                instance_url=issued.instance_url,
                login_url=self.oauth.endpoints.base_url,
                client_id=self.oauth.client_id,
                access_token=issued.access_token,
                refresh_token=issued.refresh_token or (kept.refresh_token if kept else None) or self.refresh_token,
                identity_url=issued.identity_url,
                issued_at=issued.issued_at,
                scope=issued.scope,
            )
            try:
                path = self._store.save(login, default_if_none=False)
            except (OSError, AuthError) as exc:
                logger.warning("Could not keep the rotated refresh token: %s; a restart may need a new one", exc)
            else:
                if issued.refresh_token:
                    logger.info("The org rotated the refresh token; the new one is kept in %s", path)
        return issued


def _issued_from(login: StoredLogin) -> IssuedToken:
    return IssuedToken(login.access_token, login.instance_url, None, login.identity_url, login.issued_at, login.scope)


class StaticCredentials(_SingleFlight):
    """A given access token (SALESFORCE_ACCESS_TOKEN, or the embedded org's token for `--demo`).

    With `refresh_token` + `client_id` it can renew itself on a 401; without, a 401 is final.
    """

    mode = "static token"

    def __init__(
        self,
        instance_url: str,
        token: str,
        *,
        refresh_token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        login_url: str = DEFAULT_LOGIN_URL,
        http_transport: httpx2.AsyncBaseTransport | None = None,
        store: TokenStore | None = None,
    ) -> None:
        oauth = None
        if refresh_token and client_id:
            oauth = OAuthClient(login_url, client_id, client_secret, transport=http_transport)
        super().__init__(instance_url, oauth)
        register_secret(token)
        self._token = token
        self._refresher = None
        if oauth and refresh_token:
            self._refresher = _EnvRefreshToken(oauth, refresh_token, store, instance_url)

    async def _first_token(self) -> str:
        raise AssertionError("a static token is there from the start")

    async def _renew(self, rejected_token: str) -> str:
        if self._refresher is None:
            raise AuthError(
                "Salesforce rejected the access token (expired or revoked) and there is no way to renew it: set a new "
                "SALESFORCE_ACCESS_TOKEN, add SALESFORCE_REFRESH_TOKEN + SALESFORCE_CLIENT_ID, or run "
                "`salesforce-flow-mcp login`."
            )
        return self._adopt(await self._refresher.refresh(rejected_token))


class RefreshTokenCredentials(_SingleFlight):
    """SALESFORCE_REFRESH_TOKEN + SALESFORCE_CLIENT_ID [+ SECRET]: every token comes from the refresh grant (or, at
    start, from what the last refresh kept in the token store)."""

    mode = "refresh token"

    def __init__(
        self,
        oauth: OAuthClient,
        refresh_token: str,
        *,
        instance_url: str | None = None,
        store: TokenStore | None = None,
    ) -> None:
        super().__init__(instance_url, oauth)
        self._refresher = _EnvRefreshToken(oauth, refresh_token, store, instance_url)

    async def _first_token(self) -> str:
        kept = await anyio.to_thread.run_sync(self._refresher.kept)
        if kept is not None:
            return self._adopt(_issued_from(kept))  # a 401 refreshes it with the kept refresh token
        return self._adopt(await self._refresher.refresh())

    async def _renew(self, rejected_token: str) -> str:
        return self._adopt(await self._refresher.refresh(rejected_token))


class StoredLoginCredentials(_SingleFlight):
    """A profile saved by `login`. A refresh writes the new access token (and a rotated refresh token) back.

    Before refreshing it re-reads the profile: when another process already refreshed (the stored access token is
    no longer the rejected one) it takes that token instead of spending the refresh token again.
    """

    def __init__(
        self, store: TokenStore, login: StoredLogin, *, http_transport: httpx2.AsyncBaseTransport | None = None
    ) -> None:
        oauth = OAuthClient(login.login_url, login.client_id, login.client_secret, transport=http_transport)
        super().__init__(login.instance_url, oauth)
        self.mode = f"stored login (profile {login.profile})"
        self._store = store
        self._login = login
        self._token = login.access_token
        for secret in (login.access_token, login.refresh_token, login.client_secret):
            register_secret(secret)

    async def _first_token(self) -> str:
        raise AssertionError("a stored login has its token from the start")

    async def _renew(self, rejected_token: str) -> str:
        # A worker thread holds the store's lock from the read to the write (other processes wait on it), and runs
        # the refresh request on the event loop meanwhile: a rotating refresh token is spent by one process only.
        return await anyio.to_thread.run_sync(self._renew_locked, rejected_token)

    def _renew_locked(self, rejected_token: str) -> str:
        profile = self._login.profile
        with self._store.locked():
            current = self._store.load(profile)
            if current is None:
                raise AuthError(f"The stored login {profile!r} is gone (logged out?). " + LOGIN_AGAIN)
            register_secret(current.access_token)
            if current.access_token not in (rejected_token, self._token):
                return self._take(current)  # another process refreshed it
            if not current.refresh_token:
                raise AuthError(f"Salesforce rejected the stored session of profile {profile!r}. " + LOGIN_AGAIN)
            assert self._oauth is not None
            try:
                issued = anyio.from_thread.run(self._oauth.refresh, current.refresh_token)
            except InvalidGrantError:
                # Spent or revoked: read the store once more, in case a writer that does not lock rotated it.
                again = self._store.load(profile)
                if again is not None and (again.refresh_token, again.access_token) != (
                    current.refresh_token,
                    current.access_token,
                ):
                    return self._take(again)
                raise
            token = self._adopt(issued)
            self._login = current.with_tokens(issued.access_token, issued.refresh_token)
            try:
                stored = self._store.update_tokens(profile, issued.access_token, issued.refresh_token)
            except (OSError, AuthError) as exc:
                # This process can go on with the new token; the next start may need `login` if the org rotated it.
                logger.warning("Could not save the refreshed token of profile %r: %s", profile, exc)
            else:
                if stored is None:
                    logger.warning("Profile %r was deleted while refreshing; the new token is kept in memory", profile)
            return token

    def _take(self, stored: StoredLogin) -> str:
        register_secret(stored.access_token)
        register_secret(stored.refresh_token)
        self._login = stored
        self._instance_url = stored.instance_url
        return stored.access_token


class JWTBearerCredentials(_SingleFlight):
    """SALESFORCE_USERNAME + SALESFORCE_JWT_KEY_FILE + SALESFORCE_CLIENT_ID: an RS256 assertion per token.

    When the org answers "audience is invalid", the next (token endpoint, audience) pair of login_audience_combos()
    is tried, as the sf CLI does; a pair that once worked is tried first from then on."""

    mode = "JWT bearer"

    def __init__(
        self,
        oauth: OAuthClient,
        *,
        username: str,
        private_key_pem: bytes,
        instance_url: str | None = None,
        http_transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(instance_url, oauth)
        self._username = username
        self._key = private_key_pem
        login_url = oauth.endpoints.base_url
        self._combos = login_audience_combos(jwt_audience(login_url), login_url)
        self._transport = http_transport

    async def _grant(self) -> str:
        assert self._oauth is not None
        refusals: list[str] = []
        for login, audience in list(self._combos):
            oauth = self._oauth if login == self._oauth.endpoints.base_url else self._oauth_at(login)
            try:
                issued = await oauth.jwt_bearer(username=self._username, private_key_pem=self._key, audience=audience)
            except AuthError as exc:
                if "audience" not in exc.message:
                    raise
                refusals.append(f"{login} with audience {audience}")
                continue
            finally:
                if oauth is not self._oauth:
                    await oauth.aclose()
            self._combos.remove((login, audience))
            self._combos.insert(0, (login, audience))
            return self._adopt(issued)
        raise AuthError(
            "The org refused every JWT audience the sf CLI would try (" + "; ".join(refusals) + "): check "
            "SALESFORCE_LOGIN_URL (login.salesforce.com, test.salesforce.com or your My Domain)."
        )

    def _oauth_at(self, login: str) -> OAuthClient:
        assert self._oauth is not None
        return OAuthClient(login, self._oauth.client_id, transport=self._transport)

    async def _first_token(self) -> str:
        return await self._grant()

    async def _renew(self, rejected_token: str) -> str:
        return await self._grant()


def login_audience_combos(audience_url: str, login_url: str) -> list[tuple[str, str]]:
    """The (login URL, JWT audience) pairs the sf CLI tries, in its order: forcedotcom/sfdx-core
    src/util/sfdcUrl.ts getLoginAudienceCombos (production never with the sandbox audience or the other way round;
    one pair per origin pair). Pairs at login.salesforce.com / test.salesforce.com are tried only when the login URL
    is a Salesforce domain: a JWT meant for another server (the embedded org) is never sent to Salesforce."""
    prod, sandbox = PRODUCTION_LOGIN_URL, SANDBOX_LOGIN_URL
    pairs = [
        (login_url, login_url),
        (sandbox, sandbox),
        (prod, prod),
        (audience_url, audience_url),
        (audience_url, prod),
        (audience_url, sandbox),
        (login_url, audience_url),
        (login_url, prod),
        (login_url, sandbox),
        (prod, audience_url),
        (sandbox, audience_url),
    ]
    salesforce = (urlsplit(login_url).hostname or "").lower().endswith(".salesforce.com")
    seen: dict[tuple[str, str], tuple[str, str]] = {}
    for login, audience in pairs:
        if {login, audience} == {prod, sandbox}:
            continue
        if not salesforce and login != login_url:
            continue
        key = (_origin(login), _origin(audience))
        seen.setdefault(key, (login, audience))
    return list(seen.values())


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class ClientCredentials(_SingleFlight):
    """SALESFORCE_CLIENT_ID + SALESFORCE_CLIENT_SECRET against the My Domain token endpoint."""

    mode = "client credentials"

    def __init__(self, oauth: OAuthClient) -> None:
        super().__init__(oauth.endpoints.base_url, oauth)

    async def _grant(self) -> str:
        assert self._oauth is not None
        return self._adopt(await self._oauth.client_credentials())

    async def _first_token(self) -> str:
        return await self._grant()

    async def _renew(self, rejected_token: str) -> str:
        return await self._grant()


def jwt_audience(login_url: str) -> str:
    """The JWT `aud` Salesforce expects: login.salesforce.com for production (My Domain included),
    test.salesforce.com for sandboxes; any other server (the embedded org) gets its own URL."""
    host = (urlsplit(login_url).hostname or "").lower()
    if host == "test.salesforce.com" or host.endswith(".sandbox.my.salesforce.com") or "--" in host:
        return SANDBOX_LOGIN_URL
    if host.endswith(".salesforce.com"):
        return PRODUCTION_LOGIN_URL
    return login_url


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
        return StaticCredentials(
            s.instance_url,
            s.access_token,
            refresh_token=s.refresh_token,
            client_id=s.client_id,
            client_secret=s.client_secret,
            login_url=login_url,
            http_transport=http_transport,
            store=store if store is not None else TokenStore(),
        )

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
        return RefreshTokenCredentials(oauth, s.refresh_token, instance_url=s.instance_url, store=store)

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
        key_pem = _read_key_file(Path(s.jwt_key_file).expanduser())
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


def _read_key_file(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AuthError(f"Cannot read SALESFORCE_JWT_KEY_FILE {str(path)!r}: {exc.strerror or exc}.") from None
    if len(data) > 64 * 1024:
        raise AuthError(f"SALESFORCE_JWT_KEY_FILE {str(path)!r} is too large to be a PEM key.")
    return data
