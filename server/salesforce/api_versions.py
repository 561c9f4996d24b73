"""Which REST API version to speak: the newest the org offers (never below 59.0), or the one pinned.

`GET /services/data/` lists the versions an org serves as `[{"label", "url", "version"}]` (REST API Developer Guide,
Versions; docs/salesforce-behaviour.md). Fields appear in later versions only (`FlowInterview.Error` from v62, the
interview status `VersionPaused` from v60), so a fixed old default hides them. The answer is kept for a day in the
cache folder, beside the describe cache, so a start with a warm cache sends no request for it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from .. import defaults
from .client import SalesforceClient
from .errors import SalesforceError

logger = logging.getLogger(__name__)

MIN_API_VERSION = defaults.API_VERSION
VERSION_PATTERN = re.compile(r"^\d{2,3}\.0$")
CACHE_SECONDS = 86_400.0  # Salesforce releases three times a year; a day-old answer is current enough


class ApiVersionError(ValueError):
    """A pinned version that cannot be used; the message says which and how to fix it."""


def _number(version: str) -> float:
    return float(version)


def check_pinned(version: str) -> str:
    """`--api-version` / SALESFORCE_API_VERSION: like 62.0 (a leading v is dropped), not below 59.0."""
    version = version.strip().removeprefix("v")
    if not VERSION_PATTERN.match(version):
        raise ApiVersionError(f"SALESFORCE_API_VERSION {version!r} is not a version like 62.0")
    if _number(version) < _number(MIN_API_VERSION):
        raise ApiVersionError(
            f"SALESFORCE_API_VERSION {version} is below {MIN_API_VERSION}, the oldest version this server speaks; "
            "leave it unset to use the newest the org offers"
        )
    return version


def newest_offered(body: Any) -> str | None:
    """The newest version in a `GET /services/data/` answer, or None when the answer lists none."""
    items = body if isinstance(body, list) else []
    versions = [
        str(item["version"])
        for item in items
        if isinstance(item, dict) and VERSION_PATTERN.match(str(item.get("version", "")))
    ]
    return max(versions, key=_number) if versions else None


async def choose_api_version(client: SalesforceClient, cache_dir: Path | None) -> str:
    """The newest version the org offers (at least 59.0); the cached answer when it is less than a day old.

    When the org cannot say (an error, an answer in no known shape), 59.0 is used and the reason logged.
    """
    cache = _cache_file(cache_dir, client.credentials.instance_url) if cache_dir else None
    cached = _read_cache(cache)
    if cached is not None:
        return cached
    try:
        newest = newest_offered(await client.get("/services/data/"))
    except SalesforceError as exc:
        logger.warning("could not list the org's API versions (%s); using %s", exc, MIN_API_VERSION)
        return MIN_API_VERSION
    if newest is None:
        logger.warning("the org listed no API versions; using %s", MIN_API_VERSION)
        return MIN_API_VERSION
    chosen = newest if _number(newest) >= _number(MIN_API_VERSION) else MIN_API_VERSION
    _write_cache(cache, chosen)
    return chosen


def _cache_file(directory: Path, instance_url: str) -> Path:
    digest = hashlib.sha256(instance_url.encode()).hexdigest()[:24]
    return directory / f"api-version-{digest}.json"


def _read_cache(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version, checked = data.get("version"), data.get("checked")
    if not isinstance(version, str) or not isinstance(checked, int | float) or not VERSION_PATTERN.match(version):
        return None
    return version if time.time() - checked < CACHE_SECONDS else None


def _write_cache(path: Path | None, version: str) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".api-version-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"version": version, "checked": time.time()}, handle)
        os.replace(tmp, path)
    except OSError as exc:
        logger.warning("could not write %s: %s", path, exc)
