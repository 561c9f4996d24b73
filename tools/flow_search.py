"""search_flows, for orgs with more flows than the flow-tool limit: find flows by words, then run one with invoke_flow.

Hits are ranked by where the words appear (API name first, then label, then description), each listed with its
inputs in a compact form and whether it only reads, a page at a time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from salesforce_flow_mcp.aliases import Args
from salesforce_flow_mcp.salesforce.invocable_flows import FlowEntry

from .catalogue import RegisteredTool, tool_definition
from .flow_effects import hints_for
from .flow_tools import effects_of
from .outcome import Outcome
from .validation import compile_input_schema

SEARCH_TOOL = "search_flows"
PAGE_SIZE = 10
MAX_PAGE = 50
MAX_DESCRIPTION = 160  # characters of a hit's description
# Where a word is found -> its weight in the rank.
WEIGHTS = (("name", 3), ("label", 2), ("description", 1))
_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> set[str]:
    """Words of a text, API names split at underscores and case changes (Route_Support_Case, getOrders)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text).replace("_", " ")
    return set(_WORD.findall(spaced.lower()))


def _fields(entry: FlowEntry) -> dict[str, set[str]]:
    return {
        "name": _words(entry.api_name),
        "label": _words(entry.label),
        "description": _words(str(entry.describe.get("description") or "")),
    }


def _score(query: list[str], fields: dict[str, set[str]]) -> int:
    """0 unless every query word is found (as a word or the start of one); else the weights of where they are."""
    total = 0
    for word in query:
        best = max((w for field, w in WEIGHTS if any(x.startswith(word) for x in fields[field])), default=0)
        if not best:
            return 0
        total += best
    return total


def _inputs(entry: FlowEntry) -> list[Args]:
    """Each input: name and type, plus required, list size and sObject type only where they apply."""
    compact = []
    for param in entry.describe.get("inputs") or []:
        if not isinstance(param, dict) or not param.get("name"):
            continue
        item: Args = {"name": param["name"], "type": param.get("type") or param.get("apexClass") or "any"}
        if param.get("required") is True:
            item["required"] = True
        if isinstance(param.get("maxOccurs"), int | float) and param["maxOccurs"] > 1:
            item["maxOccurs"] = param["maxOccurs"]
        if param.get("sobjectType"):
            item["sobjectType"] = param["sobjectType"]
        compact.append(item)
    return compact


def _hit(entry: FlowEntry, read_only: bool) -> Args:
    description = str(entry.describe.get("description") or "")
    if len(description) > MAX_DESCRIPTION:
        description = description[: MAX_DESCRIPTION - 3].rstrip() + "..."
    hit: Args = {
        "flowApiName": entry.api_name,
        "label": entry.label,
        "description": description or None,
        "inputs": _inputs(entry),
        "outputs": [p.get("name") for p in entry.describe.get("outputs") or [] if isinstance(p, dict)],
        "readOnly": read_only,
        "invokeWith": json.dumps({"flowApiName": entry.api_name, "inputs": [{}]}),
    }
    if entry.versions is not None:
        hit["versionStatus"] = entry.versions.status()
    return hit


def search(entries: list[FlowEntry], query: str, limit: int = PAGE_SIZE, offset: int = 0) -> Args:
    words = sorted(_words(query))
    effects = effects_of(entries)
    ranked = []
    for entry in entries:
        score = _score(words, _fields(entry)) if words else 1
        if score:
            ranked.append((-score, entry.api_name, entry))
    ranked.sort(key=lambda item: (item[0], item[1]))
    page = ranked[offset : offset + limit]
    result: Args = {
        "totalMatches": len(ranked),
        "flows": [_hit(entry, hints_for(effects[entry.api_name]).read_only) for _, _, entry in page],
    }
    if offset + limit < len(ranked):
        result["nextOffset"] = offset + limit
    return result


def search_tool(entries: Callable[[], list[FlowEntry]]) -> RegisteredTool:
    async def run(args: Args) -> Outcome:
        return Outcome(
            search(entries(), str(args.get("query", "")), int(args.get("limit", PAGE_SIZE)), int(args.get("offset", 0)))
        )

    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "query": {"type": "string", "maxLength": 500, "description": "Words to look for; empty lists every flow"},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": PAGE_SIZE},
            "offset": {"type": "integer", "minimum": 0, "default": 0, "description": "nextOffset of the last page"},
        },
        "additionalProperties": False,
    }
    tool = tool_definition(
        SEARCH_TOOL,
        "Search invocable flows",
        "Find the org's invocable flows by words in their API name, label and description, best first. Each hit: "
        "flowApiName, inputs (name, type, required), outputs, readOnly; run it with invoke_flow. nextOffset: more.",
        input_schema,
        None,
        read_only=True,
        destructive=False,
        idempotent=True,
    )
    return RegisteredTool(tool, compile_input_schema(input_schema), run)
