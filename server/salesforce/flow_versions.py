"""Flow versions on a real org (Tooling API): list them, read one, activate or deactivate exactly the one named.

What Salesforce documents and this module relies on (sources in docs/salesforce-behaviour.md):
- `Flow` is one row per version; its definition (`FlowDefinition`) carries the namespace in `NamespacePrefix`, its
  `DeveloperName` without it; the flow's name everywhere else (its action, its tool) is `ns__DeveloperName`.
- A flow installed from a managed package can be described, but its metadata cannot be read: nothing here reads
  `Flow.Metadata`.
- `FlowDefinition.Metadata.activeVersionNumber` names the active version; 0 or leaving it out deactivates the WHOLE
  flow, whatever version the caller had in mind. So a PATCH always sends the number that should be active, and
  obsoleting a version that is not the active one never sends 0.
- `FlowDefinition.Metadata.description` is the definition's description; each version keeps its own `Description`.
"""

from __future__ import annotations

import re
from typing import Any

from ..aliases import Args
from . import normalize, soql
from .client import SalesforceClient
from .errors import SalesforceAPIError

TOOLING_FLOW_FIELDS = (
    "Id, Definition.DeveloperName, Definition.NamespacePrefix, MasterLabel, ProcessType, Status, VersionNumber"
)
# get_flow: the version's fields and its definition's, in one query (no Metadata: unreadable for managed flows).
FLOW_DETAIL_FIELDS = (
    "Id, DefinitionId, Definition.DeveloperName, Definition.NamespacePrefix, Definition.Description, "
    "Definition.ActiveVersionId, Definition.LatestVersionId, MasterLabel, Description, ProcessType, Status, "
    "VersionNumber, ApiVersion, ManageableState, CreatedDate, CreatedById, LastModifiedDate, LastModifiedById"
)
_VERSION_FIELDS = "Id, VersionNumber, Status, DefinitionId, Definition.DeveloperName, Definition.NamespacePrefix"

# The seed's Flow field names as the Tooling API spells them, so a list_flows condition means the same in both
# dialects. ApiName compared with a literal is rewritten first (see _api_name_conditions).
SEED_TO_TOOLING_FLOW_FIELDS = {"ApiName": "Definition.DeveloperName", "Label": "MasterLabel"}
_API_NAME_CONDITION = re.compile(r"(?<![.\w])ApiName\s*(=|!=|<>|\bLIKE\b)\s*('(?:[^'\\]|\\.)*')", re.IGNORECASE)
_API_NAME_IN = re.compile(r"(?<![.\w])ApiName\s+(NOT\s+)?IN\s*\(([^()]*)\)", re.IGNORECASE)
_NAMESPACED = re.compile(r"^([A-Za-z][A-Za-z0-9]*)__(.+)$", re.DOTALL)


def list_flows_query(fields: str, args: Args) -> str:
    """`q` is either a whole SELECT or a condition for the default query's WHERE clause. The default query is in Id
    order, so a page of it can be continued after its last Id (keyset paging, tools/keyset.py)."""
    q = (args.get("q") or "").strip()
    if q.upper().startswith("SELECT"):
        return q
    return f"SELECT {fields} FROM Flow" + (f" WHERE {q}" if q else "") + " ORDER BY Id"


def tooling_list_query(args: Args) -> str:
    query = _api_name_conditions(_api_name_in_lists(list_flows_query(TOOLING_FLOW_FIELDS, args)))
    return soql.rename_fields(query, SEED_TO_TOOLING_FLOW_FIELDS)


def _name_condition(operator: str, value: str) -> str:
    """One ApiName comparison with a literal's content, as namespace and developer name compared apart; a name
    without a namespace matches only flows without one."""
    namespaced = _NAMESPACED.match(value)
    namespace = soql.literal(namespaced.group(1)) if namespaced else "null"
    name = "'" + (namespaced.group(2) if namespaced else value) + "'"
    name_op = "LIKE" if operator == "LIKE" else "="
    both = f"(Definition.NamespacePrefix = {namespace} AND Definition.DeveloperName {name_op} {name})"
    return both if operator in ("=", "LIKE") else f"(NOT {both})"


def _api_name_conditions(query: str) -> str:
    """`ApiName = 'ns__Name'` (also !=, <>, LIKE) as the Tooling API can answer it."""

    def rewrite(match: re.Match[str]) -> str:
        return _name_condition(match.group(1).upper(), match.group(2)[1:-1])

    parts, last = [], 0
    for literal in soql.STRING_LITERAL.finditer(query):
        # Each segment ends with one literal and holds no other: an ApiName matched in it is outside literals.
        segment = query[last : literal.end()]
        parts.append(_API_NAME_CONDITION.sub(rewrite, segment))
        last = literal.end()
    parts.append(query[last:])
    return "".join(parts)


def _api_name_in_lists(query: str) -> str:
    """`ApiName [NOT] IN ('a', 'ns__b')` as one comparison per name, joined with OR."""
    # Found in a copy whose literals are blanked (same length), so nothing inside a literal can match.
    masked = soql.STRING_LITERAL.sub(lambda m: "'" + "x" * (len(m.group(0)) - 2) + "'", query)
    parts, last = [], 0
    for match in _API_NAME_IN.finditer(masked):
        values = [found.group(0)[1:-1] for found in soql.STRING_LITERAL.finditer(query[match.start(2) : match.end(2)])]
        if not values:
            continue
        either = " OR ".join(_name_condition("=", value) for value in values)
        parts += [query[last : match.start()], f"(NOT ({either}))" if match.group(1) else f"({either})"]
        last = match.end()
    parts.append(query[last:])
    return "".join(parts)


async def list_flows(client: SalesforceClient, args: Args) -> Any:
    result = await client.query(tooling_list_query(args), tooling=True)
    return normalize.flow_list(result, normalize.flow_from_tooling)


async def get_flow(client: SalesforceClient, args: Args) -> Any:
    record = await _one_version(client, args["flowId"], FLOW_DETAIL_FIELDS)
    return normalize.flow_detail(record)


async def _one_version(client: SalesforceClient, flow_id: str, fields: str) -> dict[str, Any]:
    result = await client.query(f"SELECT {fields} FROM Flow WHERE Id = {soql.literal(flow_id)}", tooling=True)
    records = result.get("records") or []
    if not records or not isinstance(records[0], dict):
        raise SalesforceAPIError(404, "NOT_FOUND", f"no flow version has the Id {flow_id} (list_flows shows them)")
    record: dict[str, Any] = records[0]
    return record


async def update_flow(client: SalesforceClient, args: Args) -> Any:
    """Activate or obsolete exactly the version named, and/or set the definition's description.

    Reads the version and its definition (2 requests), then PATCHes the definition once, unless nothing would change.
    """
    version = await _one_version(client, args["flowId"], _VERSION_FIELDS)
    definition_id = version.get("DefinitionId")
    if not definition_id:
        raise SalesforceAPIError(404, "NOT_FOUND", f"flow version {args['flowId']} has no FlowDefinition")
    definition_path = "/tooling/sobjects/FlowDefinition/" + str(definition_id)
    definition = await client.get(definition_path)
    metadata = dict((definition or {}).get("Metadata") or {})
    name = normalize.api_name_of_tooling_flow(version) or str(definition_id)
    number = int(version.get("VersionNumber") or 0)
    active_before = int(metadata.get("activeVersionNumber") or 0)
    active, changes = _decide(number, active_before, args.get("Status"))
    if "Description" in args:
        changes.append("set the flow definition's description (get_flow shows it as DefinitionDescription)")
    result: Args = {
        "success": True,
        "flowApiName": name,
        "versionNumber": number,
        "previousActiveVersionNumber": active_before or None,
        "activeVersionNumber": active or None,
    }
    if not changes:
        return {**result, "changed": False, "message": _unchanged(name, number, active_before)}
    patch: Args = {"activeVersionNumber": active}  # always sent: leaving it out would deactivate the flow
    if "Description" in args:
        patch["description"] = args["Description"]
    await client.request("PATCH", definition_path, json_body={"Metadata": {**metadata, **patch}})
    state = f"version {active} is active" if active else "no version is active: the flow is deactivated"
    return {**result, "changed": True, "message": f"{name}: " + "; ".join(changes) + f". Now {state}."}


def _decide(number: int, active: int, wanted: str | None) -> tuple[int, list[str]]:
    """(the version number to make active, 0 for none; what that changes) for Status `wanted` on version `number`."""
    if wanted == "Active":
        if active == number:
            return active, []
        was = f" (version {active} was active and becomes obsolete)" if active else ""
        return number, [f"activated version {number}{was}"]
    if wanted == "Obsolete" and active == number:
        return 0, [f"deactivated version {number}, the active one"]
    # Obsolete on a version that is not the active one: nothing to change, and the live version is left alone.
    return active, []


def _unchanged(name: str, number: int, active: int) -> str:
    if active == number:
        return f"{name} version {number} is already the active version; nothing was changed."
    live = f"version {active} is active and was left as it is" if active else "no version is active"
    return f"{name} version {number} is not the active version ({live}); nothing was changed."
