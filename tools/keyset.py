"""Keyset paging for list_flows and query_flows: the records after an Id, in Id order, with no limit on how far.

SOQL's OFFSET stops at 2,000 rows (SOQL and SOSL Reference, "OFFSET": "The maximum offset is 2,000 rows"), and a
query locator (`nextRecordsUrl`) only continues a query at the batch boundary the org chose, and expires. A page
that ends at record Id X continues with the same query, `Id > 'X'` added to its WHERE clause and ordered by Id: any
depth, stateless, and never a record twice or skipped while records are only added. The clauses are found with the
SOQL parser (salesforce/soql_reads.py), so a literal or a subquery never confuses where WHERE or ORDER BY is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from salesforce_flow_mcp.aliases import Args
from salesforce_flow_mcp.salesforce.soql_reads import SoqlSyntaxError, clause_spans
from salesforce_flow_mcp.sfid import is_salesforce_id

from .validation import ArgumentError

__all__ = ["after_id", "in_id_order", "keyset_condition", "keyset_rest", "last_id"]

_ORDER_BY_ID = re.compile(r"ORDER\s+BY\s+Id(\s+ASC)?(\s+NULLS\s+(FIRST|LAST))?", re.IGNORECASE)


def in_id_order(query: str) -> bool:
    """The query's records come in Id order: its top-level ORDER BY is `ORDER BY Id` (ASC)."""
    try:
        spans = clause_spans(query)
    except SoqlSyntaxError:
        return False
    order = spans.get("order_clause")
    return order is not None and _ORDER_BY_ID.fullmatch(query[order[0] : order[1]]) is not None


def after_id(query: str, after: str) -> str:
    """`query` limited to the records whose Id is greater than `after`, in Id order."""
    _check_after(after)
    spans = clause_spans(query)
    for clause, why in (
        ("offset_clause", "after replaces OFFSET: leave OFFSET out"),
        ("group_clause", "after pages records by Id; a GROUP BY query has no Id per row"),
    ):
        if clause in spans:
            raise ArgumentError(why)
    order = spans.get("order_clause")
    if order is not None and not _ORDER_BY_ID.fullmatch(query[order[0] : order[1]]):
        raise ArgumentError("after needs the records in Id order: end q with ORDER BY Id (or leave ORDER BY out)")
    keyset = f"Id > '{after}'"
    edits: list[tuple[int, int, str]] = []  # (start, end, text), applied from the end
    condition = spans.get("condition")
    if condition is not None:
        start, end = condition
        edits.append((start, end, f"({query[start:end]}) AND {keyset}"))
    else:
        at = _first(spans, ("with_clause", "order_clause", "limit_clause", "for_clause", "update_clause"), query)
        edits.append((at, at, f" WHERE {keyset} "))
    if order is None:
        at = _first(spans, ("limit_clause", "for_clause", "update_clause"), query)
        edits.append((at, at, " ORDER BY Id "))
    # From the end, so earlier positions stay right; at one position the WHERE (listed first) lands first.
    for _, _, start, end, text in sorted(((s, i, s, e, t) for i, (s, e, t) in enumerate(edits)), reverse=True):
        query = query[:start] + text + query[end:]
    return " ".join(query.split())


def keyset_condition(condition: str, after: str) -> str:
    """A WHERE condition (list_flows' q when it is not a whole SELECT) limited to the records after `after`; the
    query list_flows builds around it is in Id order."""
    _check_after(after)
    return f"({condition}) AND Id > '{after}'" if condition.strip() else f"Id > '{after}'"


def _check_after(after: str) -> None:
    if not is_salesforce_id(after):
        raise ArgumentError(f"after must be a record Id (truncated.after of the page before), not {after!r}")


def keyset_rest(condition_in_id_order: bool) -> Callable[[list[Any], Args], dict[str, Any]]:
    """What a cut page of records says about the rest: the `after` to send when the page is in Id order (a whole
    SELECT ending in ORDER BY Id; a list_flows condition, whose query is ordered by Id), else how to get there."""

    def rest(kept: list[Any], args: Args) -> dict[str, Any]:
        q = str(args.get("q") or "")
        ordered = in_id_order(q) if q.strip().upper().startswith("SELECT") else condition_in_id_order
        last = last_id(kept)
        if ordered and last is not None:
            return {
                "after": last,
                "how": f"Ask for the rest with the same q and after '{last}': the records after it, in Id order "
                "(keyset paging: as deep as the org goes, where OFFSET stops at 2,000).",
            }
        shown = len(kept)
        return {
            "how": "Ask for the rest with q selecting Id and ending in ORDER BY Id: each cut page then names the "
            f"after to send next. Or end q with ORDER BY Id LIMIT {shown} OFFSET {shown} (OFFSET stops at 2,000), "
            "or narrow the WHERE clause."
        }

    return rest


def _first(spans: dict[str, tuple[int, int]], clauses: tuple[str, ...], query: str) -> int:
    starts = [spans[c][0] for c in clauses if c in spans]
    return min(starts) if starts else len(query.rstrip())


def last_id(records: list[Any]) -> str | None:
    """The Id of the last record shown, when every record has one (a page to continue from)."""
    if not records or not all(isinstance(r, dict) and isinstance(r.get("Id"), str) for r in records):
        return None
    last: str = records[-1]["Id"]
    return last
