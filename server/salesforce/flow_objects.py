"""The objects a flow tool may read, and the relationships between them that a query may follow.

Flow and FlowDefinition are Tooling API objects (Tooling API, Flow and FlowDefinition); the rest are data API objects
(Object Reference: FlowInterview, FlowDefinitionView, FlowVersionView, FlowRecord...). A relationship is allowed only
when it is documented to lead from one flow object to another; everything else (Owner, CreatedBy, LastModifiedBy,
which lead to User or Group) is refused, so no query reaches a non-flow object through a traversal either.
"""

from __future__ import annotations

FLOW_OBJECTS = frozenset(
    name.lower()
    for name in (
        "Flow",
        "FlowDefinition",
        "FlowDefinitionView",
        "FlowVersionView",
        "FlowInterview",
        "FlowRecord",
        "FlowRecordVersion",
        "FlowRecordElement",
        "FlowInterviewLog",
        "FlowInterviewLogEntry",
        "FlowOrchestrationInstance",
        "FlowOrchestrationStageInstance",
        "FlowOrchestrationStepInstance",
        "FlowOrchestrationWorkItem",
        "FlowElementTestCoverage",
        "FlowTestCoverage",
        "FlowVariableView",
    )
)
FLOW_OBJECT_NAMES = "Flow, FlowDefinition, FlowDefinitionView, FlowVersionView, FlowInterview, FlowRecord, ..."

# object -> relationship name -> the flow object it leads to (all lower case). Sources: Tooling API Flow
# (DefinitionId, relationship Definition) and FlowDefinition (ActiveVersionId, LatestVersionId); Object Reference
# FlowInterview (FlowVersionViewId, relationship FlowVersionView, API 51.0), FlowVersionView (FlowDefinitionViewId),
# FlowRecordElement (FlowRecordVersionId, relationship FlowRecordVersion), FlowInterviewLogEntry (FlowInterviewLogId).
FLOW_RELATIONSHIPS: dict[str, dict[str, str]] = {
    "flow": {"definition": "flowdefinition"},
    "flowdefinition": {"activeversion": "flow", "latestversion": "flow"},
    "flowinterview": {"flowversionview": "flowversionview"},
    "flowversionview": {"flowdefinitionview": "flowdefinitionview"},
    "flowrecordelement": {"flowrecordversion": "flowrecordversion"},
    "flowinterviewlogentry": {"flowinterviewlog": "flowinterviewlog"},
}


def follow(origin: str, path: tuple[str, ...]) -> str | None:
    """Where `path` leads from `origin` through allowed relationships; None at the first one that is not allowed."""
    current = origin.lower()
    for hop in path:
        target = FLOW_RELATIONSHIPS.get(current, {}).get(hop.lower())
        if target is None:
            return None
        current = target
    return current
