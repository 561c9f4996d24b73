"""What a flow does to the org, read from its metadata (Tooling API `Flow.Metadata`), and the tool hints that follow.

Every key of a flow's metadata is classified in one table: an element kind that writes records, calls out or runs
another flow, one that only reads or computes, or a property of the flow. A key the table does not know, metadata
that could not be read (managed packages), or a subflow whose own effects are not known makes the flow's effects
unknown, and an unknown flow keeps the conservative hints every flow tool had before (it may write, it may reach
outside). Element semantics: Metadata API, Flow (FlowRecordCreate/Update/Delete/Lookup, FlowActionCall,
FlowSubflow, FlowWait, FlowApexPluginCall):
https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_visual_workflow.htm
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "ELEMENT_EFFECTS",
    "FlowEffects",
    "FlowHints",
    "effects_from_summary",
    "hints_for",
    "phrase",
    "resolve_subflows",
    "summarize",
]

Effect = Literal["reads", "creates", "updates", "deletes", "action", "subflow", "pauses", "none", "property"]

# Top-level key of Flow metadata -> what its elements do.
ELEMENT_EFFECTS: dict[str, Effect] = {
    "recordLookups": "reads",
    "recordCreates": "creates",
    "recordUpdates": "updates",
    "recordDeletes": "deletes",
    "actionCalls": "action",
    "apexPluginCalls": "action",
    "subflows": "subflow",
    "waits": "pauses",  # a paused interview is stored (a FlowInterview record) until it resumes or is deleted
    # Elements that compute, branch or shape data inside the interview.
    **dict.fromkeys(
        (
            "assignments",
            "decisions",
            "loops",
            "formulas",
            "variables",
            "constants",
            "textTemplates",
            "choices",
            "dynamicChoiceSets",
            "collectionProcessors",
            "transforms",
            "customErrors",  # shows an error, writes nothing
            "recordRollbacks",  # undoes this transaction's writes
            "screens",  # a screen flow is not invocable; its screens write nothing by themselves
            "stages",
        ),
        "none",
    ),
    # Properties of the flow, not elements.
    **dict.fromkeys(
        (
            "apiVersion",
            "areMetricsLoggedToDataCloud",
            "description",
            "environments",
            "fullName",
            "interviewLabel",
            "isAdditionalPermissionRequiredToOverride",
            "isOverridable",
            "isTemplate",
            "label",
            "migratedFromWorkflowRuleName",
            "overriddenFlow",
            "processMetadataValues",
            "processType",
            "runInMode",
            "sourceTemplate",
            "start",
            "startElementReference",
            "status",
            "timeZoneSidKey",
            "triggerOrder",
            "urls",
        ),
        "property",
    ),
}

# actionType of an actionCall -> does it write to the org, and does it reach outside it. Anything else (Apex, an
# external service, a component...) may do both.
ACTION_TYPES: dict[str, tuple[bool, bool]] = {
    "emailSimple": (False, True),  # sends an email
    "emailAlert": (False, True),
    "chatterPost": (True, False),  # creates a feed item
    "submit": (True, False),  # submits a record for approval
}


# The list fields of FlowEffects: kept, read back and combined the same way.
LIST_FIELDS = ("reads", "creates", "updates", "deletes", "actions", "subflows", "unknown")


@dataclass(frozen=True)
class FlowEffects:
    """What one flow does: objects it reads, creates, updates, deletes; actions it calls; flows it runs."""

    reads: tuple[str, ...] = ()
    creates: tuple[str, ...] = ()
    updates: tuple[str, ...] = ()
    deletes: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()  # "actionType:actionName"
    subflows: tuple[str, ...] = ()
    pauses: bool = False
    unknown: tuple[str, ...] = ()  # why the effects are not fully known (empty: they are)

    @property
    def known(self) -> bool:
        return not self.unknown

    def as_summary(self) -> dict[str, Any]:
        """The compact, JSON-able form kept in the describe cache."""
        out: dict[str, Any] = {}
        for key in LIST_FIELDS:
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        if self.pauses:
            out["pauses"] = True
        return out


UNREADABLE = FlowEffects(unknown=("metadata not readable",))


def effects_from_summary(summary: Mapping[str, Any] | None) -> FlowEffects:
    if not isinstance(summary, Mapping):
        return UNREADABLE

    def strings(key: str) -> tuple[str, ...]:
        value = summary.get(key)
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    return FlowEffects(**{key: strings(key) for key in LIST_FIELDS}, pauses=summary.get("pauses") is True)


def _elements(value: Any) -> list[Mapping[str, Any]]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, Mapping)]


def _object_of(element: Mapping[str, Any], variables: Mapping[str, str]) -> str:
    """The object a record element works on: its `object`, or the object type of the record variable it names."""
    named = element.get("object")
    if isinstance(named, str) and named:
        return named
    reference = element.get("inputReference") or element.get("outputReference")
    if isinstance(reference, str) and reference:
        return variables.get(reference.split(".", 1)[0], "a record")
    return "a record"


def summarize(metadata: Any) -> dict[str, Any]:
    """A flow's Metadata (as the Tooling API returns it) -> the compact summary of its effects."""
    return derive(metadata).as_summary()


def derive(metadata: Any) -> FlowEffects:
    if not isinstance(metadata, Mapping) or not metadata:
        return UNREADABLE
    variables = {
        str(v["name"]): str(v["objectType"])
        for v in _elements(metadata.get("variables"))
        if v.get("name") and v.get("objectType")
    }
    found: dict[str, set[str]] = {k: set() for k in ("reads", "creates", "updates", "deletes", "actions", "subflows")}
    unknown: set[str] = set()
    pauses = False
    for key, value in metadata.items():
        effect = ELEMENT_EFFECTS.get(key)
        if effect is None:
            if value not in (None, [], {}):
                unknown.add(f"element kind {key}")
            continue
        if effect in ("none", "property"):
            continue
        if effect == "pauses":
            pauses = pauses or bool(_elements(value))
            continue
        for element in _elements(value):
            if effect in ("reads", "creates", "updates", "deletes"):
                found[effect].add(_object_of(element, variables))
            elif effect == "action":
                kind = element.get("actionType") or ("apex" if key == "apexPluginCalls" else "action")
                name = element.get("actionName") or element.get("apexClass") or element.get("name") or "?"
                found["actions"].add(f"{kind}:{name}")
            elif effect == "subflow":
                found["subflows"].add(str(element.get("flowName") or "?"))
    return FlowEffects(
        reads=tuple(sorted(found["reads"])),
        creates=tuple(sorted(found["creates"])),
        updates=tuple(sorted(found["updates"])),
        deletes=tuple(sorted(found["deletes"])),
        actions=tuple(sorted(found["actions"])),
        subflows=tuple(sorted(found["subflows"])),
        pauses=pauses,
        unknown=tuple(sorted(unknown)),
    )


def combine(parts: Iterable[FlowEffects]) -> FlowEffects:
    """The effects of several versions (or a flow and its subflows) together: everything any of them does."""
    parts = list(parts)

    def union(key: str) -> tuple[str, ...]:
        return tuple(sorted({item for part in parts for item in getattr(part, key)}))

    return FlowEffects(**{key: union(key) for key in LIST_FIELDS}, pauses=any(part.pauses for part in parts))


def resolve_subflows(effects: Mapping[str, FlowEffects]) -> dict[str, FlowEffects]:
    """Each flow's effects with its subflows' folded in (to any depth; a cycle adds nothing new). A subflow whose
    effects are not known (not among `effects`) makes its caller's effects unknown."""

    def closure(name: str, seen: frozenset[str]) -> FlowEffects:
        own = effects[name]
        parts = [own]
        for sub in own.subflows:
            if sub in seen:
                continue
            if sub in effects:
                parts.append(closure(sub, seen | {sub}))
            else:
                parts.append(FlowEffects(unknown=(f"subflow {sub} not read",)))
        return combine(parts)

    return {name: closure(name, frozenset({name})) for name in effects}


@dataclass(frozen=True)
class FlowHints:
    """MCP tool annotations (2025-06-18 ToolAnnotations): the single source of truth for what a flow tool may do."""

    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool
    reasons: tuple[str, ...] = field(default=(), compare=False)


CONSERVATIVE = FlowHints(read_only=False, destructive=True, idempotent=False, open_world=True)


def hints_for(effects: FlowEffects) -> FlowHints:
    """No create, update, delete, action or pause -> read-only; creates only -> not destructive; updates or
    deletes -> destructive; actions that may reach outside -> open world; anything unknown -> the conservative
    hints. A write is never idempotent here (a second run creates a second record, sends a second email)."""
    if not effects.known:
        return FlowHints(**{**CONSERVATIVE.__dict__, "reasons": effects.unknown})
    writes = bool(effects.creates or effects.updates or effects.deletes or effects.pauses)
    destructive = bool(effects.updates or effects.deletes)
    open_world = False
    for action in effects.actions:
        kind = action.split(":", 1)[0]
        action_writes, outside = ACTION_TYPES.get(kind, (True, True))
        writes = writes or action_writes or outside
        destructive = destructive or (action_writes and kind not in ACTION_TYPES)
        open_world = open_world or outside
    if not writes:
        return FlowHints(read_only=True, destructive=False, idempotent=True, open_world=open_world)
    return FlowHints(read_only=False, destructive=destructive, idempotent=False, open_world=open_world)


def phrase(effects: FlowEffects, limit: int = 3) -> str | None:
    """A few words on what the flow touches, e.g. "creates Case; reads Account, Contact"; None when unknown."""
    if not effects.known:
        return None
    parts = []
    for verb in ("creates", "updates", "deletes", "reads"):
        objects = getattr(effects, verb)
        if objects:
            more = f" and {len(objects) - limit} more" if len(objects) > limit else ""
            parts.append(f"{verb} {', '.join(objects[:limit])}{more}")
    if effects.actions:
        names = [a.split(":", 1)[1] for a in effects.actions]
        more = f" and {len(names) - limit} more" if len(names) > limit else ""
        parts.append(f"calls {', '.join(names[:limit])}{more}")
    if effects.pauses:
        parts.append("may pause")
    return "; ".join(parts) if parts else "touches no records"
