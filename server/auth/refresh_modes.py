"""The sign-in modes that renew with a refresh token: a static token (when it comes with one), the refresh-token
mode, and a stored login; and what becomes of a refresh token from the environment when the org rotates it."""

from __future__ import annotations

import hashlib
import logging

import anyio
import anyio.from_thread
import anyio.to_thread
import httpx2

from .errors import AuthError, InvalidGrantError
from .masking import register_secret
from .oauth_client import LOGIN_AGAIN, IssuedToken, OAuthClient
from .single_flight import SingleFlight
from .token_store import StoredLogin, TokenStore

logger = logging.getLogger(__name__)


def env_profile_name(login_url: str, client_id: str, refresh_token: str, instance_url: str | None) -> str:
    """The token-store profile that keeps what became of a SALESFORCE_REFRESH_TOKEN: keyed by the org (its login and
    instance URL), the client id and the grant (a fingerprint of the refresh token as the environment gives it, which
    stays the same across restarts while the org rotates the real one)."""
    key = "\n".join((login_url, instance_url or "", client_id, refresh_token)).encode()
    return "env-" + hashlib.sha256(key).hexdigest()[:20]


class EnvRefreshToken:
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
                return issued_from(kept)  # another process refreshed meanwhile
            token = kept.refresh_token if kept is not None and kept.refresh_token else self.refresh_token
            try:
                issued = anyio.from_thread.run(self.oauth.refresh, token)
            except InvalidGrantError:
                again = self.kept()
                if again is not None and again.refresh_token != token:
                    return issued_from(again)
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


def issued_from(login: StoredLogin) -> IssuedToken:
    return IssuedToken(login.access_token, login.instance_url, None, login.identity_url, login.issued_at, login.scope)


class StaticCredentials(SingleFlight):
    """A given access token (SALESFORCE_ACCESS_TOKEN, or the embedded org's token for `--demo`).

    With a `refresher` (SALESFORCE_REFRESH_TOKEN + SALESFORCE_CLIENT_ID) it can renew itself on a 401; without, a 401
    is final.
    """

    mode = "static token"

    def __init__(self, instance_url: str, token: str, *, refresher: EnvRefreshToken | None = None) -> None:
        super().__init__(instance_url, refresher.oauth if refresher else None)
        register_secret(token)
        self._token = token
        self._refresher = refresher

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


class RefreshTokenCredentials(SingleFlight):
    """SALESFORCE_REFRESH_TOKEN + SALESFORCE_CLIENT_ID [+ SECRET]: every token comes from the refresh grant (or, at
    start, from what the last refresh kept in the token store)."""

    mode = "refresh token"

    def __init__(self, refresher: EnvRefreshToken, instance_url: str | None = None) -> None:
        super().__init__(instance_url, refresher.oauth)
        self._refresher = refresher

    async def _first_token(self) -> str:
        kept = await anyio.to_thread.run_sync(self._refresher.kept)
        if kept is not None:
            return self._adopt(issued_from(kept))  # a 401 refreshes it with the kept refresh token
        return self._adopt(await self._refresher.refresh())

    async def _renew(self, rejected_token: str) -> str:
        return self._adopt(await self._refresher.refresh(rejected_token))


class StoredLoginCredentials(SingleFlight):
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
