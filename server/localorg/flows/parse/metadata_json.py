"""The Tooling API's `Metadata` field: Flow metadata XML as JSON (camelCase keys as in the XML)."""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from ..model import Flow

# Top-level Flow metadata fields that are lists even with one entry (as the Tooling API renders them).
_LIST_FIELDS = frozenset(
    {
        "actionCalls", "apexPluginCalls", "assignments", "choices", "collectionProcessors", "constants",
        "customErrors", "customProperties", "decisions", "dynamicChoiceSets", "formulas", "loops",
        "processMetadataValues", "recordCreates", "recordDeletes", "recordLookups", "recordRollbacks",
        "recordUpdates", "screens", "stages", "steps", "subflows", "textTemplates", "transforms", "variables",
        "waits", "orchestratedStages", "environments",
    }
)  # fmt: skip
_INT_RE = re.compile(r"^-?\d{1,15}$")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _scalar(text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    if _INT_RE.match(text):
        return int(text)
    return text


def _convert(element: Element) -> Any:
    children = list(element)
    if not children:
        return _scalar((element.text or "").strip()) if (element.text or "").strip() else None
    result: dict[str, Any] = {}
    for child in children:
        key = _local(child.tag)
        value = _convert(child)
        if key in result:
            existing = result[key]
            result[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            result[key] = value
    return result


def flow_metadata(flow: Flow, source: bytes | None) -> dict[str, Any]:
    """The Metadata JSON of one Flow version (from its XML; a summary when the XML is not at hand)."""
    if source is not None:
        try:
            root = SafeET.fromstring(source, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        except (ParseError, ValueError, defusedxml.DefusedXmlException):
            root = None
        if root is not None:
            converted = _convert(root)
            if isinstance(converted, dict):
                for key in _LIST_FIELDS & converted.keys():
                    if not isinstance(converted[key], list):
                        converted[key] = [converted[key]]
                converted["status"] = converted.get("status", flow.status)
                return converted
    return {
        "apiVersion": float(flow.api_version) if flow.api_version else None,
        "description": flow.description,
        "interviewLabel": flow.interview_label,
        "label": flow.label,
        "processType": flow.process_type,
        "status": flow.status,
        "variables": [
            {
                "dataType": v.data_type,
                "isCollection": v.is_collection,
                "isInput": v.is_input,
                "isOutput": v.is_output,
                "name": v.name,
                "objectType": v.object_type,
            }
            for v in flow.variables
        ],
    }
