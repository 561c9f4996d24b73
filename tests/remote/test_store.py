"""The remote server's store: sealed records, single-use take, expiry, named locks; and the key rules."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from cryptography.fernet import Fernet

from salesforce_flow_mcp.remote.sealing import Sealer, SealError
from salesforce_flow_mcp.remote.store import LockTimeoutError, SealedRecords, SqliteStore, hashed, open_store

pytestmark = pytest.mark.anyio


async def test_records_are_sealed_and_open_only_with_the_key(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    key = Fernet.generate_key().decode()
    records = SealedRecords(SqliteStore(str(path)), Sealer([key]))
    await records.put("sf:x", {"access_token": "00Dsecret-value!AQ"})
    assert await records.get("sf:x") == {"access_token": "00Dsecret-value!AQ"}
    assert b"00Dsecret-value" not in path.read_bytes() + (tmp_path / "s.db-wal").read_bytes()
    other = SealedRecords(records.store, Sealer([Fernet.generate_key().decode()]))
    with pytest.raises(SealError, match="does not open"):
        await other.get("sf:x")
    rotated = SealedRecords(records.store, Sealer([Fernet.generate_key().decode(), key]))  # new key first
    assert await rotated.get("sf:x") == {"access_token": "00Dsecret-value!AQ"}
    await records.store.aclose()


def test_key_rules() -> None:
    with pytest.raises(SealError, match="Fernet keys"):
        Sealer(["not-a-key"])
    with pytest.raises(SealError, match="is not set"):
        Sealer.from_env({}, ephemeral_ok=False)
    ephemeral = Sealer.from_env({}, ephemeral_ok=True)
    assert ephemeral.open(ephemeral.seal(b"x")) == b"x"
    with pytest.raises(SealError, match="does not open"):
        Sealer.from_env({}, ephemeral_ok=True).open(ephemeral.seal(b"x"))  # another process's key


async def test_take_is_single_use_and_expired_values_are_gone() -> None:
    store = open_store("sqlite::memory:")
    await store.put("code:1", b"v")
    results = []

    async def take() -> None:
        results.append(await store.take("code:1"))

    async with anyio.create_task_group() as group:
        for _ in range(5):
            group.start_soon(take)
    assert sorted(results, key=lambda r: r is None) == [b"v", None, None, None, None]
    await store.put("short", b"v", ttl=-1)
    assert await store.get("short") is None
    assert await store.incr("rate", 60) == 1 and await store.incr("rate", 60) == 2
    await store.aclose()


async def test_a_lock_held_elsewhere_times_out_with_a_clear_error() -> None:
    store = SqliteStore(":memory:")
    failures: list[str] = []

    async def other_holder() -> None:
        try:
            async with store.lock("lock:refresh:u", 0.05):
                pass
        except LockTimeoutError as exc:
            failures.append(str(exc))

    async with store.lock("lock:refresh:u", 1):
        async with anyio.create_task_group() as group:
            group.start_soon(other_holder)
    assert len(failures) == 1 and "lock:refresh:u" in failures[0]
    async with store.lock("lock:refresh:u", 1):
        pass


def test_secrets_are_filed_under_their_hash() -> None:
    key = hashed("access", "tok")
    assert key.startswith("access:") and "tok" not in key.split(":")[1] and len(key) == len("access:") + 64
