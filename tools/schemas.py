"""Output schemas from the seed spec's component schemas, relaxed to accept everything real Salesforce sends.

A client validates structuredContent against the outputSchema and rejects the whole result on a mismatch, so each
schema here is looser than the seed: any field may be null, integers may arrive as numbers, enums are documented
rather than enforced, and objects keep extra fields.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

from salesforce_flow_mcp.aliases import JSONSchema


@cache
def seed_components() -> dict[str, JSONSchema]:
    text = resources.files(__package__).joinpath("seed_components.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return {name: schema for name, schema in data.items() if not name.startswith("_")}


def _inline_refs(schema: Any, components: dict[str, JSONSchema]) -> Any:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            return _inline_refs(components[ref.rsplit("/", 1)[1]], components)
        return {key: _inline_refs(value, components) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_inline_refs(item, components) for item in schema]
    return schema


def relax(schema: JSONSchema) -> JSONSchema:
    """Loosen one (ref-free) schema the way real responses need; see the module docstring."""
    out = copy.deepcopy(schema)
    enum = out.pop("enum", None)
    if enum is not None:
        out["description"] = (out.get("description", "") + f" Usually one of: {', '.join(map(str, enum))}.").strip()
    kind = out.get("type")
    if kind == "integer":
        kind = "number"
    if kind == "object":
        out["properties"] = {name: relax(prop) for name, prop in out.get("properties", {}).items()}
        out["additionalProperties"] = True
    if kind == "array" and isinstance(out.get("items"), dict):
        items = relax(out["items"])
        if out["items"].get("type") == "string":
            # Salesforce sends error objects where the seed says strings (CreateResponse.errors).
            items.pop("type", None)
        out["items"] = items
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    return out


@cache
def output_schema(component: str) -> JSONSchema:
    """The relaxed output schema for a seed component; the top level is an object, as MCP requires."""
    components = seed_components()
    schema = relax(_inline_refs(components[component], components))
    schema["type"] = "object"
    return schema


SUCCESS_SCHEMA: JSONSchema = {
    "type": "object",
    "properties": {"success": {"type": "boolean", "description": "true when Salesforce accepted the change"}},
    "required": ["success"],
    "additionalProperties": True,
}
