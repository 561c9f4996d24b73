"""Each flow version's Tooling API `Metadata`, read in batches of 25 through the Tooling composite resource.

What Salesforce documents and this module relies on:
- `Flow.Metadata` (and `FullName`) "can only be queried when the result has exactly one row": a query cannot read the
  metadata of many versions at once, so each version is read on its own, as its record (GET
  /tooling/sobjects/Flow/{Id} returns every field, Metadata included). Tooling API, Flow:
  https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_flow.htm
- The REST composite batch resource takes no Tooling resources (it lists limits, sobjects, query, search, connect,
  chatter and actions), but the Tooling API has its own composite resource, POST /tooling/composite (v40+): up to 25
  subrequests over Tooling sObject and query resources, and "the entire request counts as a single call toward your
  API limits". Tooling API, Improve Performance with the Composite Resource:
  https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_resources_composite_composite.htm
- A flow installed from a managed package can be described but its metadata cannot be read: such a version comes
  back without Metadata (or as an error) and is marked unreadable, so its tool keeps the conservative hints.

The caller gives `summarize`, which reduces one Metadata document to the small JSON kept in the describe cache; this
module knows how to fetch, not what the metadata means.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import anyio

from .client import SalesforceClient
from .errors import SalesforceAPIError, SalesforceError

logger = logging.getLogger(__name__)

TOOLING_COMPOSITE_PATH = "/tooling/composite"
TOOLING_COMPOSITE_LIMIT = 25
UNREADABLE: dict[str, Any] = {"unknown": ["metadata not readable"]}

Summarize = Callable[[Any], dict[str, Any]]


@dataclass
class MetadataRead:
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)  # version Id -> summary (or UNREADABLE)
    requests: int = 0  # API calls sent (one per composite request)


async def read_flow_metadata(
    client: SalesforceClient, version_ids: Iterable[str], summarize: Summarize, *, concurrency: int = 8
) -> MetadataRead:
    """The summary of each version's Metadata. A version whose request failed for a passing reason (the org
    unreachable, a server error) is left out, to be read again at the next refresh; one the org answered without
    readable metadata, or refused outright (4xx), gets UNREADABLE, kept with its version in the cache like any
    answer."""
    ids = sorted(set(version_ids))
    read = MetadataRead()
    if not ids:
        return read
    limiter = anyio.CapacityLimiter(concurrency)
    chunks = [ids[i : i + TOOLING_COMPOSITE_LIMIT] for i in range(0, len(ids), TOOLING_COMPOSITE_LIMIT)]

    async def run(chunk: list[str]) -> None:
        async with limiter:
            read.requests += 1
            try:
                read.summaries.update(await _read_chunk(client, chunk, summarize))
            except SalesforceAPIError as exc:
                if exc.status >= 500:
                    logger.warning("could not read the metadata of %d flow versions: %s", len(chunk), exc)
                    return
                # Refused (no Tooling API access for this user, say): unreadable until the versions change, so
                # later refreshes do not ask again.
                logger.info("the org refused to read flow metadata (%s): conservative hints", exc)
                read.summaries.update((version_id, dict(UNREADABLE)) for version_id in chunk)
            except SalesforceError as exc:
                logger.warning("could not read the metadata of %d flow versions: %s", len(chunk), exc)

    async with anyio.create_task_group() as group:
        for chunk in chunks:
            group.start_soon(run, chunk)
    return read


async def _read_chunk(client: SalesforceClient, ids: list[str], summarize: Summarize) -> dict[str, dict[str, Any]]:
    base = f"/services/data/v{client.api_version}/tooling/sobjects/Flow/"
    body = {
        "allOrNone": False,
        "compositeRequest": [
            {"method": "GET", "url": base + quote(version_id, safe=""), "referenceId": f"v{i}"}
            for i, version_id in enumerate(ids)
        ],
    }
    reply = await client.request("POST", TOOLING_COMPOSITE_PATH, json_body=body)
    answers = (reply.body or {}).get("compositeResponse") if isinstance(reply.body, dict) else None
    by_reference = {a.get("referenceId"): a for a in answers or [] if isinstance(a, dict)}
    found: dict[str, dict[str, Any]] = {}
    for i, version_id in enumerate(ids):
        answer = by_reference.get(f"v{i}")
        status = answer.get("httpStatusCode") if answer is not None else None
        if not isinstance(status, int) or status >= 500:
            continue  # not answered, or the org failed: read again next time
        record = answer.get("body") if answer is not None else None
        metadata = record.get("Metadata") if isinstance(record, dict) else None
        if status == 200 and isinstance(metadata, dict) and metadata:
            found[version_id] = summarize(metadata)
        else:
            logger.info("flow version %s: metadata not readable (HTTP %s)", version_id, status)
            found[version_id] = dict(UNREADABLE)
    return found
