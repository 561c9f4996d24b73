"""What every sign-in mode shares: the current token, fetched once, and one refresh for all concurrent callers.

Concurrent callers share one refresh (single flight): the first one renews, the others wait on the lock and, seeing
that the current token is no longer the one they were refused with, take the new one.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod

import anyio

from .errors import safe_url
from .oauth_client import IssuedToken, OAuthClient

logger = logging.getLogger(__name__)


class SingleFlight(ABC):
    """Token caching and one-refresh-for-everyone, shared by every mode."""

    mode: str

    def __init__(self, instance_url: str | None, oauth: OAuthClient | None = None) -> None:
        self._instance_url = safe_url(instance_url, "SALESFORCE_INSTANCE_URL") if instance_url else None
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
