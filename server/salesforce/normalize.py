"""Salesforce responses reshaped into the seed spec's schemas; fields the seed does not name are kept as they came."""

from __future__ import annotations

import re
from typing import Any

from .quoting import excerpt, org_message

Record = dict[str, Any]

_VERSION_SUFFIX = re.compile(r"-\d+$")

# Tooling Flow field -> seed FlowSummary/FlowDefinition field.
_TOOLING_FLOW_RENAMES = {"MasterLabel": "Label"}
_SEED_FLOW_FIELDS = (
    "Id",
    "ApiName",
    "Label",
    "Description",
    "ProcessType",
    "Status",
    "VersionNumber",
    "CreatedDate",
    "LastModifiedDate",
    "CreatedById",
    "LastModifiedById",
)


def api_name_of_tooling_flow(record: Record) -> str | None:
    """`ns__DeveloperName` from a Tooling Flow record's Definition (or its FullName, which carries the namespace)."""
    definition = record.get("Definition")
    if isinstance(definition, dict) and definition.get("DeveloperName"):
        namespace = definition.get("NamespacePrefix")
        name = str(definition["DeveloperName"])
        return f"{namespace}__{name}" if namespace and not name.startswith(f"{namespace}__") else name
    full_name = record.get("FullName")
    if isinstance(full_name, str) and full_name:
        return _VERSION_SUFFIX.sub("", full_name)
    return None


def flow_from_tooling(record: Record) -> Record:
    """A Tooling API `Flow` record as a seed FlowSummary/FlowDefinition, with the Tooling fields kept beside."""
    out: Record = {}
    for key, value in record.items():
        out[_TOOLING_FLOW_RENAMES.get(key, key)] = value
    out["ApiName"] = api_name_of_tooling_flow(record)
    return _seed_first(out)


def flow_detail(record: Record) -> Record:
    """get_flow's answer: the version, and beside it what its definition says (the description update_flow writes,
    which version is active, whether the flow came from a managed package)."""
    out = flow_from_tooling(record)
    found = record.get("Definition")
    definition: Record = found if isinstance(found, dict) else {}
    active, latest = definition.get("ActiveVersionId"), definition.get("LatestVersionId")
    out["DefinitionDescription"] = definition.get("Description")
    out["NamespacePrefix"] = definition.get("NamespacePrefix")
    out["ActiveVersionId"] = active
    out["LatestVersionId"] = latest
    out["IsActiveVersion"] = record.get("Id") is not None and record.get("Id") == active
    if record.get("ManageableState") == "installed":
        out["note"] = "Installed from a managed package: it can be run and described, but its metadata cannot be read."
    return out


def _seed_first(record: Record) -> Record:
    ordered = {key: record[key] for key in _SEED_FLOW_FIELDS if key in record}
    ordered.update({key: value for key, value in record.items() if key not in ordered})
    return ordered


def flow_list(result: Any, to_seed: Any = None) -> Record:
    """A query result (or the seed's FlowListResponse) as FlowListResponse."""
    result = dict(result or {})
    records = [to_seed(r) if to_seed else r for r in result.get("records") or []]
    out: Record = {"totalSize": result.get("totalSize", len(records)), "done": result.get("done", True)}
    out["records"] = records
    out.update({k: v for k, v in result.items() if k not in out})
    return out


def interview(body: Any) -> Record:
    """A FlowInterview record (data API or seed shape) as the seed's FlowInterview."""
    record: Record = dict(body or {})
    status = record.get("InterviewStatus")
    record.setdefault("HasFinished", status in ("Completed", "Finished") if status else False)
    record.setdefault("outputs", [])
    return record


def invoke_results(body: Any) -> Record:
    """The per-input array of an invocable-action POST as InvokeFlowResponse."""
    results = body if isinstance(body, list) else [body]
    return {"outputs": results}


def describe_failure(result: Record) -> str:
    errors = result.get("errors") or []
    parts = []
    for error in errors if isinstance(errors, list) else [errors]:
        if isinstance(error, dict):
            code = error.get("statusCode") or error.get("errorCode") or "ERROR"
            fields = f" (fields: {', '.join(error['fields'])})" if error.get("fields") else ""
            parts.append(f"{excerpt(str(code))}: {org_message(str(error.get('message', '')))}{excerpt(fields)}")
        else:
            parts.append(org_message(str(error)))
    return "; ".join(parts) or "the flow reported a failure without a message"


def success() -> Record:
    return {"success": True}
