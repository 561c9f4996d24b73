"""Each MCP user's Salesforce tokens, kept server-side and encrypted (SealedRecords), refreshed single-flight per
user under a store lock (so across replicas too), and revoked at Salesforce on sign-out.

Salesforce sends no `expires_in`: a token is refreshed when the org answers 401 INVALID_SESSION_ID, and concurrent
callers refused with the same token share one refresh (the lock holder refreshes; the others find a newer token
in the store and take it).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import httpx2

from ..auth.errors import AuthError
from ..auth.masking import register_secret
from ..auth.oauth_client import IssuedToken, OAuthClient
from .store import SealedRecords, StoreError

logger = logging.getLogger(__name__)

# The token response's `id` is the identity URL https://login.salesforce.com/id/<org id>/<user id>
# (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_openid.htm, "Identity URLs").
_IDENTITY = re.compile(r"/id/(00D[A-Za-z0-9]{12,15})/(005[A-Za-z0-9]{12,15})/?$")
REFRESH_LOCK_WAIT = 30.0  # seconds a caller waits for another replica's refresh of the same user


class SignInError(AuthError):
    """A Salesforce sign-in that cannot be used here; the message says why."""


@dataclass(frozen=True)
class SalesforceGrant:
    subject: str  # "<org id>/<user id>"
    instance_url: str
    access_token: str
    refresh_token: str | None
    identity_url: str

    @property
    def org_id(self) -> str:
        return self.subject.split("/", 1)[0]

    @property
    def user_id(self) -> str:
        return self.subject.split("/", 1)[1]


def subject_of(identity_url: str | None) -> str:
    found = _IDENTITY.search(identity_url or "")
    if not found:
        raise SignInError("the Salesforce token response names no user (its `id` is not an identity URL)")
    return f"{found.group(1)}/{found.group(2)}"


@dataclass(frozen=True)
class UpstreamApp:
    """The team's External Client App at Salesforce: who we are when we sign users in and refresh their tokens."""

    login_url: str
    client_id: str
    client_secret: str | None
    callback_url: str
    transport: httpx2.AsyncBaseTransport | None = None

    def client(self) -> OAuthClient:
        """A client per operation: authlib's client keeps the last token as state, which users must not share."""
        return OAuthClient(
            self.login_url,
            self.client_id,
            self.client_secret,
            redirect_uri=self.callback_url,
            transport=self.transport,
        )


class SalesforceGrants:
    sign_in_again = "Your Salesforce sign-in has expired or was revoked: sign in to this MCP server again."

    def __init__(
        self, records: SealedRecords, upstream: UpstreamApp, org_url: Callable[[], str | None] = lambda: None
    ) -> None:
        self.records = records
        self.upstream = upstream
        self.org_url = org_url  # the org every user must be in (the server's own); None: not known, not checked

    @staticmethod
    def _key(subject: str) -> str:
        return f"sf:{subject}"

    async def save(self, issued: IssuedToken, *, keep_refresh: str | None = None) -> SalesforceGrant:
        subject = subject_of(issued.identity_url)
        org_url = self.org_url()
        if org_url is not None and issued.instance_url.rstrip("/") != org_url.rstrip("/"):
            raise SignInError(
                f"that sign-in is for {issued.instance_url}, but this server serves {org_url}: "
                "sign in to the team's org"
            )
        grant = SalesforceGrant(
            subject=subject,
            instance_url=issued.instance_url,
            access_token=issued.access_token,
            refresh_token=issued.refresh_token or keep_refresh,
            identity_url=issued.identity_url or "",
        )
        await self.records.put(self._key(subject), asdict(grant))
        return grant

    async def load(self, subject: str) -> SalesforceGrant | None:
        data = await self.records.get(self._key(subject))
        if data is None:
            return None
        grant = SalesforceGrant(**_fields(data))
        register_secret(grant.access_token)
        register_secret(grant.refresh_token)
        return grant

    async def refresh(self, subject: str, rejected_token: str) -> str:
        try:
            async with self.records.store.lock(f"lock:refresh:{subject}", REFRESH_LOCK_WAIT):
                grant = await self.load(subject)
                if grant is None:
                    raise AuthError(self.sign_in_again)
                if grant.access_token != rejected_token:
                    return grant.access_token  # refreshed by someone else while we waited
                if not grant.refresh_token:
                    await self.records.delete(self._key(subject))
                    raise AuthError(self.sign_in_again)
                client = self.upstream.client()
                try:
                    issued = await client.refresh(grant.refresh_token)
                except AuthError as exc:
                    if "invalid_grant" in str(exc):
                        await self.records.delete(self._key(subject))
                        raise AuthError(self.sign_in_again) from None
                    raise
                finally:
                    await client.aclose()
                saved = await self.save(issued, keep_refresh=grant.refresh_token)
                logger.info("refreshed the Salesforce session of %s", subject)
                return saved.access_token
        except StoreError as exc:
            raise AuthError(f"the token store is not answering ({exc}); try again shortly") from None

    async def sign_out(self, subject: str) -> None:
        """Forget the user's tokens and revoke the refresh token at Salesforce (which ends its access tokens)."""
        data = await self.records.take(self._key(subject))
        if data is None:
            return
        grant = SalesforceGrant(**_fields(data))
        client = self.upstream.client()
        try:
            await client.revoke(grant.refresh_token or grant.access_token)
        except AuthError as exc:
            logger.warning("could not revoke the Salesforce token of %s at sign-out: %s", subject, exc)
        finally:
            await client.aclose()


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    names = SalesforceGrant.__dataclass_fields__
    return {k: v for k, v in data.items() if k in names}
