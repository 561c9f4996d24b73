"""Where the remote server keeps what must outlive a request or be shared by replicas: a small key-value store with
expiry, an atomic take (for single-use codes) and named locks (for single-flight refresh).

`SqliteStore` is the default: one process, nothing to install. `open_store("redis://...")` gives the Redis one
(redis_store.py), which any number of replicas share. Values are opaque bytes; `SealedRecords` keeps them encrypted.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import anyio
import anyio.to_thread

from .sealing import Sealer

ENV_STORE = "SALESFORCE_FLOW_MCP_STORE"


class StoreError(RuntimeError):
    """The store cannot be opened or reached; the message names it and what to check."""


class LockTimeoutError(StoreError):
    """A named lock was held by someone else for longer than the caller would wait."""


class Store(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def put(self, key: str, value: bytes, ttl: float | None = None) -> None: ...

    async def take(self, key: str) -> bytes | None:
        """Get and delete in one step: of two concurrent takes, one gets the value."""
        ...

    async def delete(self, key: str) -> None: ...

    async def incr(self, key: str, ttl: float) -> int:
        """Add one to a counter that expires `ttl` seconds after its first increment; the new value."""
        ...

    def lock(self, name: str, wait: float) -> AbstractAsyncContextManager[None]:
        """Held by one holder at a time (across replicas, where the store is shared); LockTimeoutError after
        `wait` seconds of waiting."""
        ...

    async def ping(self) -> None: ...

    async def aclose(self) -> None: ...


def hashed(kind: str, secret: str) -> str:
    """The key a secret is filed under: its SHA-256, so the store never holds a token in the clear, not even as a
    key."""
    return f"{kind}:{hashlib.sha256(secret.encode()).hexdigest()}"


class SqliteStore:
    """A SQLite file (or memory) for one process; its locks are in-process."""

    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            Path(path).touch(mode=0o600, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL" if path != ":memory:" else "PRAGMA journal_mode=MEMORY")
        self._conn.execute("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL, expires REAL)")
        self._mutex = threading.Lock()
        self._locks: dict[str, anyio.Lock] = {}

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        with self._mutex:
            return self._conn.execute(sql, args).fetchall()

    def _get(self, key: str, delete: bool) -> bytes | None:
        with self._mutex:
            row = self._conn.execute("SELECT value, expires FROM kv WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            if delete or (row[1] is not None and row[1] <= time.time()):
                self._conn.execute("DELETE FROM kv WHERE key = ?", (key,))
            if row[1] is not None and row[1] <= time.time():
                return None
            return bytes(row[0])

    async def get(self, key: str) -> bytes | None:
        return await anyio.to_thread.run_sync(self._get, key, False)

    async def take(self, key: str) -> bytes | None:
        return await anyio.to_thread.run_sync(self._get, key, True)

    async def put(self, key: str, value: bytes, ttl: float | None = None) -> None:
        expires = None if ttl is None else time.time() + ttl
        sql = "INSERT OR REPLACE INTO kv (key, value, expires) VALUES (?, ?, ?)"
        await anyio.to_thread.run_sync(self._run, sql, (key, value, expires))

    async def delete(self, key: str) -> None:
        await anyio.to_thread.run_sync(self._run, "DELETE FROM kv WHERE key = ?", (key,))

    def _incr(self, key: str, ttl: float) -> int:
        with self._mutex:
            now = time.time()
            row = self._conn.execute("SELECT value, expires FROM kv WHERE key = ?", (key,)).fetchone()
            count = 1 if row is None or (row[1] is not None and row[1] <= now) else int(bytes(row[0])) + 1
            expires = now + ttl if count == 1 else row[1]
            self._conn.execute(
                "INSERT OR REPLACE INTO kv (key, value, expires) VALUES (?, ?, ?)", (key, str(count).encode(), expires)
            )
            return count

    async def incr(self, key: str, ttl: float) -> int:
        return await anyio.to_thread.run_sync(self._incr, key, ttl)

    @asynccontextmanager
    async def lock(self, name: str, wait: float) -> AsyncIterator[None]:
        lock = self._locks.setdefault(name, anyio.Lock())
        try:
            with anyio.fail_after(wait):
                await lock.acquire()
        except TimeoutError:
            raise LockTimeoutError(f"waited {wait:g} s for {name}") from None
        try:
            yield
        finally:
            lock.release()

    async def ping(self) -> None:
        await anyio.to_thread.run_sync(self._run, "SELECT 1")

    async def aclose(self) -> None:
        with self._mutex:
            self._conn.close()


def open_store(spec: str) -> Store:
    """`sqlite:///path/to/file.db`, `sqlite::memory:`, a plain path, or `redis://host:port/db` (rediss:// for TLS)."""
    if spec.startswith(("redis://", "rediss://", "unix://")):
        from .redis_store import RedisStore

        return RedisStore(spec)
    path = spec.removeprefix("sqlite://").removeprefix("sqlite:") or ":memory:"
    try:
        return SqliteStore(path)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"cannot open the store {spec!r}: {exc}") from None


class SealedRecords:
    """JSON records in a Store, each encrypted with the Sealer."""

    def __init__(self, store: Store, sealer: Sealer) -> None:
        self.store = store
        self._sealer = sealer

    def _open(self, raw: bytes | None) -> dict[str, Any] | None:
        if raw is None:
            return None
        value = json.loads(self._sealer.open(raw))
        return value if isinstance(value, dict) else None

    async def get(self, key: str) -> dict[str, Any] | None:
        return self._open(await self.store.get(key))

    async def take(self, key: str) -> dict[str, Any] | None:
        return self._open(await self.store.take(key))

    async def put(self, key: str, value: dict[str, Any], ttl: float | None = None) -> None:
        await self.store.put(key, self._sealer.seal(json.dumps(value).encode()), ttl)

    async def delete(self, key: str) -> None:
        await self.store.delete(key)
