"""Single-use keys that expire: the authorization codes the token endpoint redeems and the approval requests the
authorize page waits on. Both are handed out under a random key and taken back once."""

from __future__ import annotations

import secrets
import threading
import time
from typing import Generic, Protocol, TypeVar

MAX_PENDING = 1000  # the oldest go first beyond this many


class Expiring(Protocol):
    @property
    def expires_at(self) -> float: ...


T = TypeVar("T", bound=Expiring)


class SingleUse(Generic[T]):
    """`take` removes the key whether or not its item then checks out, and never gives back an expired item."""

    def __init__(self, key_bytes: int) -> None:
        self._key_bytes = key_bytes
        self._lock = threading.Lock()
        self._items: dict[str, T] = {}

    def add(self, item: T) -> str:
        key = secrets.token_urlsafe(self._key_bytes)
        with self._lock:
            now = time.time()
            for expired in [k for k, v in self._items.items() if v.expires_at <= now]:
                del self._items[expired]
            while len(self._items) >= MAX_PENDING:
                del self._items[next(iter(self._items))]
            self._items[key] = item
        return key

    def take(self, key: str) -> T | None:
        with self._lock:
            item = self._items.pop(key, None)
        return item if item is not None and item.expires_at > time.time() else None
