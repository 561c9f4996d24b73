"""The org's invocable flows and their describes: one list, one version query, describes only for misses.

Describes go through Salesforce's composite batch resource (25 per request) where the dialect allows, with a bound
on requests in flight either way. Given a `summarize`, each new flow version's metadata is read too (flow_metadata,
25 per Tooling composite request) and its summary kept with the describe, by version.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import anyio
from anyio.abc import TaskGroup

from .client import SalesforceClient
from .definition_view import FlowVersions, read_flow_versions
from .describe_cache import DescribeCache
from .errors import SalesforceError
from .flow_metadata import TOOLING_COMPOSITE_LIMIT, Summarize, read_flow_metadata
from .routes import FLOW_ACTION_PATH, FLOW_ACTIONS_PATH, fill_path

logger = logging.getLogger(__name__)

COMPOSITE_BATCH_LIMIT = 25


@dataclass(frozen=True)
class FlowEntry:
    api_name: str  # the action's name, namespace included (ns__Name)
    label: str
    version: str  # FlowVersions.key; "" when the org did not say (then the describe is never cached)
    describe: dict[str, Any]
    versions: FlowVersions | None = None
    # Metadata summaries of the versions that may run (active, and latest when newer); None: not read.
    effects: tuple[dict[str, Any], ...] | None = None


@dataclass(frozen=True)
class LoadStats:
    listed: int
    described: int  # describes fetched from the org (the rest came from the cache)
    failed: int
    requests: int
    metadata_requests: int = 0  # of `requests`: Tooling composite reads of flow metadata


class InvocableFlowFetcher:
    """Reads the org's invocable flows for the flow tools (not the embedded org's flow-file loader)."""

    def __init__(
        self,
        client: SalesforceClient,
        *,
        use_composite: bool,
        cache: DescribeCache | None = None,
        concurrency: int = 8,  # describe batches in flight: fewer round trips at startup (docs/benchmarks.md)
        burst_client: Callable[[], SalesforceClient] | None = None,
        summarize: Summarize | None = None,
    ) -> None:
        self.client = client
        self.summarize = summarize  # reads each new version's metadata (Tooling API) when given
        # Makes a client of its own for a burst of requests (describes, metadata reads), closed after it: otherwise
        # the burst's connections stay in the pool that serves tool calls, and the HTTP client checks every idle
        # connection on every request, which slows every tool call (docs/benchmarks.md, "What profiling found").
        self.burst_client = burst_client
        self.use_composite = use_composite
        self.cache = cache
        self.concurrency = concurrency
        self.last_stats = LoadStats(0, 0, 0, 0)
        self._early: _EarlyLoad | None = None
        self._signature: tuple[tuple[str, str, str], ...] | None = None  # of the last complete load
        # Told each step of a load (done, total, message): the MCP side turns it into progress notifications.
        self.progress: Callable[[float, float | None, str | None], None] | None = None

    def _step(self, done: int, total: int, message: str) -> None:
        if self.progress is not None:
            self.progress(done, total, message)

    def start_early(self, group: TaskGroup) -> None:
        """Start the first load now, in `group`; the next load() takes its result (or raises its error).

        The server starts it before importing its MCP side, so the org's answers arrive while that import runs.
        """
        early = _EarlyLoad()
        self._early = early
        group.start_soon(early.run, self._fetch)

    async def load(self) -> list[FlowEntry] | None:
        """The org's invocable flows with their describes; None when nothing changed since the last load (same
        flows, same labels, same versions): the tools made from that load still stand, and no describe was sent."""
        early, self._early = self._early, None
        if early is not None:
            return await early.outcome()
        return await self._fetch()

    async def _fetch(self) -> list[FlowEntry] | None:
        requests = 2
        listing, versions = await self._list_and_versions()
        actions = [a for a in (listing or {}).get("actions") or [] if isinstance(a, dict) and a.get("name")]
        labelled = [(str(a["name"]), str(a.get("label") or a["name"])) for a in actions]
        signature = tuple((name, label, _key(versions.get(name))) for name, label in labelled)
        if signature == self._signature:
            self.last_stats = LoadStats(len(actions), 0, 0, requests)
            self._step(1, 1, f"{len(actions)} invocable flows listed, none changed")
            return None
        entries: dict[str, FlowEntry] = {}
        missing: list[str] = []
        if self.cache is not None:
            await self.cache.prepare()
        for name, label in labelled:
            status = versions.get(name)
            cached = self.cache.get(name, _key(status)) if self.cache else None
            if cached is not None:
                entries[name] = FlowEntry(name, label, _key(status), cached, status)
            else:
                missing.append(name)
        self._step(1, 1 + len(list(_chunks(missing, self._chunk_size))), f"{len(actions)} invocable flows listed")
        # The metadata reads need only the versions, so they go out beside the describes, not after them: a cold
        # start waits for the longer of the two (docs/benchmarks.md, "Process start").
        described: dict[str, tuple[dict[str, dict[str, Any]], int]] = {}

        async def describe() -> None:
            described["result"] = await self._describe_all(missing)

        async with anyio.create_task_group() as group:
            group.start_soon(describe)
            effects, metadata_requests = await self._effects({name: versions.get(name) for name, _ in labelled})
        fetched, batches = described["result"]
        requests += batches + metadata_requests
        for name, label in labelled:
            if name in fetched:
                status = versions.get(name)
                entries[name] = FlowEntry(name, label, _key(status), fetched[name], status)
        effects = {name: found for name, found in effects.items() if name in entries}
        if self.cache is not None and (fetched or len(entries) != len(actions) or missing or metadata_requests):
            self.cache.replace_all({e.api_name: (e.version, e.describe) for e in entries.values()}, effects)
            await self.cache.flush()
        if self.cache is not None:
            self.cache.release()
        entries = {name: replace(e, effects=_tuple(effects.get(name))) for name, e in entries.items()}
        failed = len(missing) - len(fetched)
        self.last_stats = LoadStats(len(actions), len(fetched), failed, requests, metadata_requests)
        # Only a complete load with a version for every flow (and, when read, every flow's metadata) can stand for the
        # next unchanged one.
        read_all = self.summarize is None or not self.use_composite or set(effects) >= set(entries)
        complete = not failed and read_all and all(version for _, _, version in signature)
        self._signature = signature if complete else None
        return [entries[name] for name, _ in labelled if name in entries]

    async def _effects(self, flows: dict[str, FlowVersions | None]) -> tuple[dict[str, list[Any]], int]:
        """Name -> metadata summaries of its runnable versions: from the cache by version, else read from the org
        (only the Tooling API has them: none in the seed dialect). Returns them and the requests sent."""
        cached = {name: self.cache.effects(name, _key(status)) for name, status in flows.items()} if self.cache else {}
        known: dict[str, list[Any]] = {name: list(found) for name, found in cached.items() if found is not None}
        if self.summarize is None or not self.use_composite:
            return known, 0
        wanted = {name: _runnable_ids(status) for name, status in flows.items() if name not in known}
        wanted = {name: ids for name, ids in wanted.items() if ids}
        ids = [i for found in wanted.values() for i in found]
        async with self._client_for(-(-len(ids) // TOOLING_COMPOSITE_LIMIT)) as client:
            read = await read_flow_metadata(client, ids, self.summarize)
        for name, ids in wanted.items():
            if all(i in read.summaries for i in ids):
                known[name] = [read.summaries[i] for i in ids]
        return known, read.requests

    async def _list_and_versions(self) -> tuple[Any, dict[str, FlowVersions]]:
        """The flow list and the version query side by side: one round trip to the org instead of two.

        Errors come out as they would one after the other (the list's first), never wrapped in an exception group.
        """
        versions: dict[str, FlowVersions] = {}
        failures: list[BaseException] = []

        async def fetch_versions() -> None:
            nonlocal versions
            try:
                versions = await self._versions()
            except Exception as exc:
                failures.append(exc)

        listing: Any = None
        async with anyio.create_task_group() as group:
            group.start_soon(fetch_versions)
            try:
                listing = await self.client.get(FLOW_ACTIONS_PATH)
            except Exception as exc:
                failures.insert(0, exc)
                group.cancel_scope.cancel()
        if failures:
            raise failures[0]
        return listing, versions

    async def _versions(self) -> dict[str, FlowVersions]:
        """Action name (ns__Name) -> the flow's versions, for every flow with an active version."""
        try:
            return await read_flow_versions(self.client)
        except SalesforceError as exc:
            logger.info("no flow versions from FlowDefinitionView (%s): the describe cache is bypassed", exc)
            return {}

    async def _describe_all(self, names: list[str]) -> tuple[dict[str, dict[str, Any]], int]:
        found: dict[str, dict[str, Any]] = {}
        if not names:
            return found, 0
        limiter = anyio.CapacityLimiter(self.concurrency)
        chunks = list(_chunks(names, self._chunk_size))
        finished = 0

        async def run(client: SalesforceClient, chunk: list[str]) -> None:
            nonlocal finished
            async with limiter:
                try:
                    if self.use_composite:
                        found.update(await self._describe_batch(client, chunk))
                    else:
                        found[chunk[0]] = await client.get(_describe_path(chunk[0]))
                except SalesforceError as exc:
                    logger.warning("could not describe %s: %s", ", ".join(chunk), exc)
            finished += 1
            self._step(1 + finished, 1 + len(chunks), f"{finished} of {len(chunks)} describe requests answered")

        async with self._client_for(len(chunks)) as client, anyio.create_task_group() as group:
            for chunk in chunks:
                group.start_soon(run, client, chunk)
        return found, len(chunks)

    @asynccontextmanager
    async def _client_for(self, requests: int) -> AsyncIterator[SalesforceClient]:
        """One request reuses an idle connection of the main pool; a burst (describes or metadata reads) gets a
        client of its own, closed after it, so its connections do not stay in the pool that serves tool calls."""
        if self.burst_client is None or requests <= 1:
            yield self.client
            return
        client = self.burst_client()
        try:
            yield client
        finally:
            await client.aclose()

    @property
    def _chunk_size(self) -> int:
        return COMPOSITE_BATCH_LIMIT if self.use_composite else 1

    async def _describe_batch(self, client: SalesforceClient, names: list[str]) -> dict[str, dict[str, Any]]:
        version = f"v{client.api_version}"
        body = {
            "batchRequests": [{"method": "GET", "url": f"{version}{_describe_path(n)}"} for n in names],
            "haltOnError": False,
        }
        reply = await client.request("POST", "/composite/batch", json_body=body)
        results = (reply.body or {}).get("results") or []
        found: dict[str, dict[str, Any]] = {}
        for name, item in zip(names, results, strict=False):
            if isinstance(item, dict) and item.get("statusCode") == 200 and isinstance(item.get("result"), dict):
                found[name] = item["result"]
            else:
                logger.warning("could not describe %s: %s", name, item)
        return found


class _EarlyLoad:
    def __init__(self) -> None:
        self._done = anyio.Event()
        self._entries: list[FlowEntry] | None = []
        self._error: Exception | None = None

    async def run(self, fetch: Callable[[], Awaitable[list[FlowEntry] | None]]) -> None:
        try:
            self._entries = await fetch()
        except Exception as exc:  # handed to whoever asks for the result, as the load would have raised it
            self._error = exc
        finally:
            self._done.set()

    async def outcome(self) -> list[FlowEntry] | None:
        await self._done.wait()
        if self._error is not None:
            raise self._error
        return self._entries


def _runnable_ids(versions: FlowVersions | None) -> list[str]:
    """The versions an invoke may run: the active one, and the latest when it is newer (docs disagree on which)."""
    if versions is None:
        return []
    return [i for i in dict.fromkeys((versions.active_id, versions.latest_id)) if i]


def _tuple(found: list[Any] | None) -> tuple[dict[str, Any], ...] | None:
    return None if found is None else tuple(s for s in found if isinstance(s, dict))


def _key(versions: FlowVersions | None) -> str:
    return versions.key if versions is not None else ""


def _describe_path(api_name: str) -> str:
    return fill_path(FLOW_ACTION_PATH, {"flowApiName": api_name})


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
