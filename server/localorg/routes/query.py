"""GET /query and /query/{locator} (data API), and the query pager shared with the Tooling twin.

Results come in batches of 2000 (Sforce-Query-Options: batchSize=N, 200..2000); a result with more rows keeps a
cursor and answers with nextRecordsUrl /services/data/vXX.X/[tooling/]query/{locator}-{offset}.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ...sfid import IdMinter
from ..errors import OrgError, json_response
from ..soql.evaluator import QueryCatalog, QueryOutcome, execute
from ..soql.objects import data_catalog
from ..soql.parser import parse_soql
from ..store.state import OrgState
from .common import api_version, org_state, resource

DEFAULT_BATCH = 2000
MIN_BATCH = 200
CURSOR_TTL_SECONDS = 15 * 60
MAX_CURSORS = 500
_BATCH_RE = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


@dataclass
class _Cursor:
    outcome: QueryOutcome
    tooling: bool
    api_version: str
    batch_size: int
    created: float


class QueryPager:
    """Query cursors: the rows of a result not yet fetched, by locator, for 15 minutes."""

    def __init__(self) -> None:
        self._cursors: OrderedDict[str, _Cursor] = OrderedDict()
        self._lock = threading.Lock()
        self._minter = IdMinter("01g")

    def first_page(self, outcome: QueryOutcome, *, tooling: bool, version: str, batch_size: int) -> dict[str, Any]:
        locator: str | None = None
        if outcome.total_size > batch_size and outcome.records:
            locator = self._minter.next()
            with self._lock:
                self._expire()
                self._cursors[locator] = _Cursor(outcome, tooling, version, batch_size, time.monotonic())
                while len(self._cursors) > MAX_CURSORS:
                    self._cursors.popitem(last=False)
        return self._page(outcome, locator, 0, batch_size, tooling, version)

    def next_page(self, locator_text: str, *, tooling: bool) -> dict[str, Any]:
        locator, _, offset_text = locator_text.partition("-")
        with self._lock:
            self._expire()
            cursor = self._cursors.get(locator)
        if cursor is None or cursor.tooling != tooling or not offset_text.isdigit():
            raise OrgError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        offset = int(offset_text)
        if offset > cursor.outcome.total_size:
            raise OrgError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(cursor.outcome, locator, offset, cursor.batch_size, tooling, cursor.api_version)

    def _expire(self) -> None:
        now = time.monotonic()
        for key in [k for k, c in self._cursors.items() if now - c.created > CURSOR_TTL_SECONDS]:
            del self._cursors[key]

    @staticmethod
    def _page(
        outcome: QueryOutcome, locator: str | None, offset: int, batch: int, tooling: bool, version: str
    ) -> dict[str, Any]:
        records = outcome.records[offset : offset + batch]
        end = offset + len(records)
        done = locator is None or end >= len(outcome.records)
        next_locator = None if done else f"{locator}-{end}"
        body: dict[str, Any] = {}
        if tooling:
            body.update(size=outcome.total_size, totalSize=outcome.total_size, done=done, queryLocator=next_locator)
            body["entityTypeName"] = outcome.entity
        else:
            body.update(totalSize=outcome.total_size, done=done)
        if next_locator is not None:
            body["nextRecordsUrl"] = f"/services/data/v{version}/{'tooling/' if tooling else ''}query/{next_locator}"
        body["records"] = records
        return body


def batch_size(request: Request) -> int:
    match = _BATCH_RE.search(request.headers.get("sforce-query-options", ""))
    if match is None:
        return DEFAULT_BATCH
    return max(MIN_BATCH, min(DEFAULT_BATCH, int(match.group(1))))


def pager(request: Request) -> QueryPager:
    found: QueryPager = request.app.state.pager
    return found


async def run_query(
    request: Request, catalog_for: Callable[[OrgState, str], QueryCatalog], *, tooling: bool
) -> Response:
    """Parse ?q=, evaluate it in a worker thread over `catalog_for(state, sobject)`, answer the first batch."""
    query = parse_soql(request.query_params.get("q"))
    state = org_state(request)
    version = api_version(request)

    def evaluate() -> QueryOutcome:
        catalog: QueryCatalog = catalog_for(state, query.sobject)
        return execute(query, catalog, version)

    outcome = await state.call(evaluate)
    return json_response(
        pager(request).first_page(outcome, tooling=tooling, version=version, batch_size=batch_size(request))
    )


async def query(request: Request) -> Response:
    return await run_query(request, data_catalog, tooling=False)


async def query_more(request: Request) -> Response:
    return json_response(pager(request).next_page(request.path_params["locator"], tooling=False))


def routes() -> list[BaseRoute]:
    return [resource("/query", GET=query), resource("/query/{locator}", GET=query_more)]
