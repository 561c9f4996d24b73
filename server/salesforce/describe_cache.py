"""Invocable-flow describes cached on disk, keyed by org, API version and flow version.

A warm start finds every active flow's describe here and sends no describe request at all. The file is rewritten
atomically (temp file + os.replace), so a crash mid-write leaves the previous cache readable. Replicas sharing a
store keep the same document in it instead (server/remote/shared_describes.py): prepare() and flush() are where
such a cache reads and writes; for the file they do nothing, it is read on first use and written by replace_all().
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import platformdirs

logger = logging.getLogger(__name__)

FORMAT = 2  # 2: version keys are active|latest|modified (docs/salesforce-behaviour.md)


def default_cache_dir() -> Path:
    """The user's cache folder of this OS (platformdirs: $XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches on
    macOS, %LOCALAPPDATA% on Windows)."""
    return Path(platformdirs.user_cache_dir("salesforce-flow-mcp", appauthor=False))


def _private_dir(directory: Path) -> None:
    """The cache folder readable by its user only (0700, like the token store): describes name the org's flows and
    their inputs. A folder made looser by an earlier version is tightened."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if directory.stat().st_mode & 0o077:
        os.chmod(directory, 0o700)


def cache_name(org_key: str, api_version: str) -> str:
    """The name of one (org, API version)'s describes: the file's stem, and the shared store's key."""
    digest = hashlib.sha256(f"{org_key}|{api_version}".encode()).hexdigest()[:24]
    return f"describes-{digest}"


def parse_document(raw: bytes, where: object) -> dict[str, dict[str, Any]]:
    """The flows of a cache document, or {} when it is of another format or unreadable (logged, never raised)."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        logger.warning("ignoring unreadable describe cache %s: %s", where, exc)
        return {}
    if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("flows"), dict):
        flows: dict[str, dict[str, Any]] = data["flows"]
        return flows
    return {}


class DescribeCache:
    """One JSON file per (org, API version): {api_name: {"version": key, "describe": {...}}}."""

    def __init__(self, directory: Path, org_key: str, api_version: str) -> None:
        self.path = directory / f"{cache_name(org_key, api_version)}.json"
        self._entries: dict[str, dict[str, Any]] | None = None

    async def prepare(self) -> None:
        """Before a load's get() calls: a shared cache fetches its document here; the file is read on first use."""

    async def flush(self) -> None:
        """After replace_all(): a shared cache writes its document here; the file is written already."""

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            return parse_document(self.path.read_bytes(), self.path)
        except FileNotFoundError:
            return {}
        except OSError as exc:
            logger.warning("ignoring unreadable describe cache %s: %s", self.path, exc)
            return {}

    def _write(self, payload: bytes) -> None:
        try:
            _private_dir(self.path.parent)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".describes-", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            logger.warning("could not write the describe cache %s: %s", self.path, exc)

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._entries is None:
            self._entries = self._read()
        return self._entries

    def get(self, api_name: str, version: str) -> dict[str, Any] | None:
        if not version:
            return None
        entry = self._load().get(api_name)
        if entry and entry.get("version") == version and isinstance(entry.get("describe"), dict):
            describe: dict[str, Any] = entry["describe"]
            return describe
        return None

    def effects(self, api_name: str, version: str) -> list[Any] | None:
        """The metadata summaries kept with this version's describe (flow_metadata), or None when none are."""
        entry = self._load().get(api_name) if version else None
        if entry and entry.get("version") == version and isinstance(entry.get("effects"), list):
            effects: list[Any] = entry["effects"]
            return effects
        return None

    def release(self) -> None:
        """Forget the describes read or written so far; the next get() reads the file again. A load calls this when
        done: between refreshes, the describes of a thousand flows would be megabytes held for nothing."""
        self._entries = None

    def replace_all(
        self, entries: dict[str, tuple[str, dict[str, Any]]], effects: dict[str, list[Any]] | None = None
    ) -> None:
        """Keep exactly these flows (the org's current ones), each with its metadata summaries if known, and write
        the file."""
        effects = effects or {}
        self._entries = {
            name: {"version": v, "describe": d, **({"effects": effects[name]} if name in effects else {})}
            for name, (v, d) in entries.items()
            if v
        }
        # One C-encoded string, one write: json.dump's streamed chunks are much slower
        # (docs/benchmarks.md, "What profiling found").
        self._write(json.dumps({"format": FORMAT, "flows": self._entries}, separators=(",", ":")).encode("utf-8"))
