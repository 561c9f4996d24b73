"""Access and refresh tokens the embedded org accepts.

Tokens are kept in memory for the per-request check and, when the org has a database file, written through to it
(as SHA-256 hashes, never the tokens themselves) so that they survive a restart.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass, replace
from typing import Literal

from ...sfid import to_18

# The org's identity (the users are User records in the org's record store).
ORG_ID = to_18("00D5g000004SFMC")

TokenKind = Literal["access", "refresh"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS org_token (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id TEXT NOT NULL,
    client_id TEXT,
    issued_at REAL NOT NULL,
    expires_at REAL,
    refresh_hash TEXT,
    revoked INTEGER NOT NULL DEFAULT 0
)
"""


@dataclass(frozen=True)
class SessionInfo:
    """What the org knows about a token."""

    user_id: str
    client_id: str | None
    kind: TokenKind
    issued_at: float
    expires_at: float | None
    refresh_hash: str | None  # the refresh token an access token was issued from (revoked together)
    revoked: bool = False


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionRegistry:
    """Issues, validates and revokes tokens. Thread-safe; `validate` never touches the database."""

    def __init__(
        self,
        conn: sqlite3.Connection | None = None,
        lock: threading.RLock | None = None,
        *,
        access_token_ttl: float | None = None,
    ) -> None:
        self._conn = conn
        self._lock = lock or threading.RLock()
        self._ttl = access_token_ttl
        self._tokens: dict[str, SessionInfo] = {}
        if conn is not None:
            with self._lock:
                conn.execute(_SCHEMA)
                conn.commit()
                rows = conn.execute(
                    "SELECT token_hash, kind, user_id, client_id, issued_at, expires_at, refresh_hash, revoked "
                    "FROM org_token"
                ).fetchall()
            for h, kind, user_id, client_id, issued, expires, refresh_hash, revoked in rows:
                self._tokens[h] = SessionInfo(user_id, client_id, kind, issued, expires, refresh_hash, bool(revoked))

    # -- issuing -------------------------------------------------------------------------------------------------
    def issue_access_token(
        self, *, user_id: str, client_id: str | None = None, refresh_token: str | None = None
    ) -> str:
        token = f"{ORG_ID[:15]}!{secrets.token_urlsafe(48)}"
        now = time.time()
        expires = now + self._ttl if self._ttl is not None else None
        refresh_hash = _hash(refresh_token) if refresh_token is not None else None
        self._store(_hash(token), SessionInfo(user_id, client_id, "access", now, expires, refresh_hash))
        return token

    def issue_refresh_token(self, *, user_id: str, client_id: str) -> str:
        token = f"5Aep{secrets.token_urlsafe(64)}"
        self._store(_hash(token), SessionInfo(user_id, client_id, "refresh", time.time(), None, None))
        return token

    def register_access_token(self, token: str, *, user_id: str) -> None:
        """Accept a caller-chosen access token (the demo token, `org serve --token`); it does not expire by time."""
        if not token or len(token) > 4096:
            raise ValueError("an access token is a non-empty string of at most 4096 characters")
        self._store(_hash(token), SessionInfo(user_id, None, "access", time.time(), None, None))

    # -- checking ------------------------------------------------------------------------------------------------
    def validate(self, access_token: str) -> SessionInfo | None:
        info = self._tokens.get(_hash(access_token))
        if info is None or info.kind != "access" or info.revoked:
            return None
        if info.expires_at is not None and info.expires_at <= time.time():
            return None
        return info

    def refresh_info(self, refresh_token: str) -> SessionInfo | None:
        info = self._tokens.get(_hash(refresh_token))
        if info is None or info.kind != "refresh" or info.revoked:
            return None
        return info

    # -- revoking ------------------------------------------------------------------------------------------------
    def revoke(self, token: str) -> bool:
        """Revoke an access or refresh token; a refresh token takes its access tokens with it."""
        h = _hash(token)
        with self._lock:
            info = self._tokens.get(h)
            if info is None or info.revoked:
                return False
            changed = {h: replace(info, revoked=True)}
            if info.kind == "refresh":
                for other_hash, other in self._tokens.items():
                    if other.refresh_hash == h and not other.revoked:
                        changed[other_hash] = replace(other, revoked=True)
            self._store_many(changed)
        return True

    def expire_all_access_tokens(self) -> None:
        """Test hook: every access token issued so far now answers 401 (refresh tokens stay valid)."""
        now = time.time()
        with self._lock:
            changed = {
                h: replace(info, expires_at=now - 1)
                for h, info in self._tokens.items()
                if info.kind == "access" and not info.revoked
            }
            self._store_many(changed)

    def exchange_refresh_token(
        self, refresh_token: str, client_id: str, *, rotate: bool
    ) -> tuple[str, str | None] | None:
        """Refresh grant: a new access token (and, with rotation, a new refresh token replacing the old one)."""
        with self._lock:
            info = self.refresh_info(refresh_token)
            if info is None or (info.client_id is not None and info.client_id != client_id):
                return None
            new_refresh: str | None = None
            if rotate:
                new_refresh = self.issue_refresh_token(user_id=info.user_id, client_id=client_id)
                h = _hash(refresh_token)
                self._store_many({h: replace(info, revoked=True)})
            access = self.issue_access_token(
                user_id=info.user_id, client_id=client_id, refresh_token=new_refresh or refresh_token
            )
        return access, new_refresh

    # -- storage -------------------------------------------------------------------------------------------------
    def _store(self, token_hash: str, info: SessionInfo) -> None:
        with self._lock:
            self._store_many({token_hash: info})

    def _store_many(self, changed: dict[str, SessionInfo]) -> None:
        if not changed:
            return
        self._tokens.update(changed)
        if self._conn is None:
            return
        self._conn.executemany(
            "INSERT OR REPLACE INTO org_token VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (h, i.kind, i.user_id, i.client_id, i.issued_at, i.expires_at, i.refresh_hash, int(i.revoked))
                for h, i in changed.items()
            ],
        )
        self._conn.commit()
