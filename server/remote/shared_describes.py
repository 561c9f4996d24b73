"""The describe cache kept in the shared store (`--store redis://...`), so replicas of one org share it: a replica
starting after another finds every unchanged flow's describe there and sends no describe request.

Same document and same keying as the disk cache (server/salesforce/describe_cache.py): one JSON document per
(org, API version), under the key `describes-<digest>` where the file would be `describes-<digest>.json`. A store
that does not answer costs describes, never the load: the error is logged and the load runs uncached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..salesforce.describe_cache import DescribeCache, cache_name, parse_document
from .store import Store, StoreError

logger = logging.getLogger(__name__)


class SharedDescribeCache(DescribeCache):
    def __init__(self, store: Store, org_key: str, api_version: str) -> None:
        super().__init__(Path(), org_key, api_version)
        self.key = cache_name(org_key, api_version)
        self._store = store
        self._fetched: dict[str, dict[str, Any]] = {}
        self._pending: bytes | None = None

    async def prepare(self) -> None:
        self._entries = None
        try:
            raw = await self._store.get(self.key)
        except StoreError as exc:
            logger.warning("describe cache in the store not read, describing every flow: %s", exc)
            raw = None
        self._fetched = parse_document(raw, f"in the store ({self.key})") if raw is not None else {}

    async def flush(self) -> None:
        payload, self._pending = self._pending, None
        if payload is None:
            return
        try:
            await self._store.put(self.key, payload)
        except StoreError as exc:
            logger.warning("describe cache not written to the store: %s", exc)

    def _read(self) -> dict[str, dict[str, Any]]:
        return self._fetched

    def _write(self, payload: bytes) -> None:
        self._pending = payload

    def release(self) -> None:
        super().release()
        self._fetched = {}


def shared_describes(store: Store) -> Callable[[str, str], DescribeCache]:
    """What makes each org's describe cache (instance URL, API version) in this store."""
    return lambda org_key, api_version: SharedDescribeCache(store, org_key, api_version)
