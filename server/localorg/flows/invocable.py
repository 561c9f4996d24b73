"""Invocable-action metadata of a flow, derived as Salesforce derives it for `/actions/custom/flow/{name}`.

Salesforce's Flow Actions resource invokes "an active autolaunched flow" (and legacy invocable Process Builder
processes); screen flows and record-triggered, scheduled or platform-event flows are not flow actions. Inputs and
outputs are the variables marked isInput / isOutput; outputs always carry Flow__InterviewStatus and
Flow__InterviewGuid. Which version is described (active, or latest for an admin) is the caller's choice.
"""

from __future__ import annotations

from typing import Any

from .model import Flow, FlowVariable

__all__ = ["COLLECTION_MAX_OCCURS", "action_summary", "describe_flow", "is_invocable", "parameter_type"]

# Process types Salesforce exposes as flow actions (autolaunched flows; invocable processes since API 38).
INVOCABLE_PROCESS_TYPES = frozenset({"AutoLaunchedFlow", "InvocableProcess"})
COLLECTION_MAX_OCCURS = 2000

_TYPE_NAMES: dict[str, str | None] = {
    "String": "STRING",
    "Number": "DOUBLE",
    "Currency": "CURRENCY",
    "Boolean": "BOOLEAN",
    "Date": "DATE",
    "DateTime": "DATETIME",
    "Time": "TIME",
    "SObject": "SOBJECT",
    "Apex": None,  # Apex-defined types: the type is carried by apexClass
    "Picklist": "PICKLIST",
    "Multipicklist": "MULTIPICKLIST",
}


def is_invocable(flow: Flow) -> bool:
    """Autolaunched (or invocable process) with no record, scheduled or platform-event trigger in <start>."""
    return flow.process_type in INVOCABLE_PROCESS_TYPES and flow.trigger_type is None


def parameter_type(data_type: str) -> str | None:
    return _TYPE_NAMES[data_type] if data_type in _TYPE_NAMES else data_type.upper()


def _parameter(var: FlowVariable, *, is_input: bool) -> dict[str, Any]:
    param: dict[str, Any] = {
        "apexClass": var.apex_class if var.data_type == "Apex" else None,
        "description": var.description,
        "label": var.name,
        "maxOccurs": COLLECTION_MAX_OCCURS if var.is_collection else 1,
        "name": var.name,
        "picklistValues": None,
        "sobjectType": var.object_type if var.data_type == "SObject" else None,
        "type": parameter_type(var.data_type),
    }
    if is_input:
        # Flow variables are never required inputs; a missing input keeps the variable's default.
        param["byteLength"] = 0
        param["required"] = False
    return dict(sorted(param.items()))


def _interview_outputs() -> list[dict[str, Any]]:
    return [
        {
            "apexClass": None,
            "description": "The status of the flow interview: Created, Started, Finished, Error, or Waiting.",
            "label": "Flow Interview Status",
            "maxOccurs": 1,
            "name": "Flow__InterviewStatus",
            "picklistValues": None,
            "sobjectType": None,
            "type": "PICKLIST",
        },
        {
            "apexClass": None,
            "description": "The GUID of the flow interview.",
            "label": "Flow Interview GUID",
            "maxOccurs": 1,
            "name": "Flow__InterviewGuid",
            "picklistValues": None,
            "sobjectType": None,
            "type": "STRING",
        },
    ]


def describe_flow(flow: Flow, api_version: str) -> dict[str, Any]:
    """The describe body of GET /services/data/v{api_version}/actions/custom/flow/{ApiName}."""
    inputs = [_parameter(v, is_input=True) for v in flow.variables if v.is_input]
    outputs = [_parameter(v, is_input=False) for v in flow.variables if v.is_output]
    return {
        "category": None,
        "description": flow.description,
        "iconName": None,
        "inputs": inputs,
        "label": flow.label,
        "name": flow.api_name,
        "outputs": outputs + _interview_outputs(),
        "standard": False,
        "targetEntityName": None,
        "type": "FLOW",
    }


def action_summary(flow: Flow, api_version: str) -> dict[str, Any]:
    """One entry of GET /actions/custom/flow: {"label","name","type","url"}."""
    return {
        "label": flow.label,
        "name": flow.api_name,
        "type": "FLOW",
        "url": f"/services/data/v{api_version}/actions/custom/flow/{flow.api_name}",
    }
