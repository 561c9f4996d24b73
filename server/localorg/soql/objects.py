"""The objects the org's query endpoints serve, as SOQL schemas and rows built from the org's state.

- Tooling API (/tooling/query): Flow (one row per version) and FlowDefinition.
- Data API (/query): FlowDefinitionView, FlowVersionView, FlowInterview and the record store's sObjects.
- Seed dialect (/sobjects/Flow?q=): Flow rows in the seed's field names (ApiName, Label, ...).
The same row builders serve the GET-by-Id routes, so a record looks the same however it is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..flows.parse.metadata_json import flow_metadata
from ..store.flow_registry import FlowDefinitionRecord, FlowVersion
from ..store.state import OrgState, PausedInterview
from .evaluator import ObjectSchema, QueryCatalog, Row

VIEW_ID = "000000000000000AAA"  # what Salesforce returns as Id of the FlowDefinitionView/FlowVersionView views
_AUDIT = ("CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp")

TOOLING_FLOW = ObjectSchema(
    "Flow",
    ("Id", "DefinitionId", "MasterLabel", "ProcessType", "Status", "VersionNumber", "Description", "ApiVersion",
     "FullName", "Metadata", "ManageableState", "RunInMode", "IsTemplate", "Environments", *_AUDIT),
    url_path="tooling/sobjects",
    relationships={"Definition": "FlowDefinition"},
    single_row_fields=frozenset({"FullName", "Metadata"}),
)  # fmt: skip
TOOLING_FLOW_DEFINITION = ObjectSchema(
    "FlowDefinition",
    ("Id", "DeveloperName", "MasterLabel", "Description", "ActiveVersionId", "LatestVersionId", "NamespacePrefix",
     "ManageableState", "FullName", "Metadata", *_AUDIT),
    url_path="tooling/sobjects",
    relationships={"ActiveVersion": "Flow", "LatestVersion": "Flow"},
    single_row_fields=frozenset({"FullName", "Metadata"}),
)  # fmt: skip
FLOW_DEFINITION_VIEW = ObjectSchema(
    "FlowDefinitionView",
    ("Id", "DurableId", "ApiName", "Label", "Description", "ProcessType", "TriggerType", "TriggerObjectOrEventId",
     "TriggerObjectOrEventLabel", "IsActive", "ActiveVersionId", "LatestVersionId", "ApiVersion", "NamespacePrefix",
     "ManageableState", "InstalledPackageName", "IsOutOfDate", "IsOverridable", "IsSwingFlow", "IsTemplate",
     "Builder", "Environments", "LastModifiedDate", "LastModifiedBy"),
    url_id_field="DurableId",
)  # fmt: skip
FLOW_VERSION_VIEW = ObjectSchema(
    "FlowVersionView",
    ("Id", "DurableId", "FlowDefinitionViewId", "Label", "Description", "ProcessType", "Status", "VersionNumber",
     "ApiVersion", "ApiVersionRuntime", "RunInMode", "IsTemplate", "IsSwingFlow", "CapabilityType", "CreatedDate",
     "LastModifiedDate"),
    url_id_field="DurableId",
)  # fmt: skip
FLOW_INTERVIEW = ObjectSchema(
    "FlowInterview",
    ("Id", "Name", "Guid", "CurrentElement", "InterviewLabel", "InterviewStatus", "PauseLabel",
     "WasPausedFromScreen", "CurrentFlowVersionId", "FlowVersionViewId", "OwnerId", "Error", "IsDeleted", *_AUDIT),
)  # fmt: skip
SEED_FLOW = ObjectSchema(
    "Flow",
    ("Id", "ApiName", "Label", "ProcessType", "Status", "VersionNumber", "Description", "DefinitionId",
     "ApiVersion", *_AUDIT),
)  # fmt: skip
_RECORD_FIELDS = ("Id", "Name", "OwnerId", "IsDeleted", *_AUDIT)


def _api_version(version: FlowVersion) -> float | None:
    try:
        return float(version.flow.api_version) if version.flow.api_version else None
    except ValueError:
        return None


def _audit(created: str, modified: str, user_id: str) -> dict[str, Any]:
    return {
        "CreatedDate": created,
        "CreatedById": user_id,
        "LastModifiedDate": modified,
        "LastModifiedById": user_id,
        "SystemModstamp": modified,
    }


def _installed(definition: FlowDefinitionRecord) -> bool:
    """The org has no namespace of its own: a namespaced flow came from an installed managed package."""
    return definition.namespace_prefix is not None


def _manageable_state(definition: FlowDefinitionRecord) -> str:
    return "installed" if _installed(definition) else "unmanaged"


def tooling_flow_row(version: FlowVersion, user_id: str) -> dict[str, Any]:
    flow = version.flow
    return {
        "Id": version.id,
        "DefinitionId": version.definition.id,
        "Definition": lambda: flow_definition_row(version.definition, user_id),
        "MasterLabel": flow.label,
        "ProcessType": flow.process_type,
        "Status": version.status,
        "VersionNumber": version.version_number,
        "Description": flow.description,
        "ApiVersion": _api_version(version),
        "FullName": f"{version.api_name}-{version.version_number}",
        # A flow installed from a managed package can be described but its metadata cannot be read (Tooling API
        # guide, Flow); the exact answer is not documented: the org gives null.
        "Metadata": None
        if _installed(version.definition)
        else lambda: {**flow_metadata(flow, version.source), "status": version.status, "description": flow.description},
        "ManageableState": _manageable_state(version.definition),
        "RunInMode": flow.run_in_mode,
        "IsTemplate": False,
        "Environments": None,
        **_audit(version.created_date, version.last_modified_date, user_id),
    }


def flow_definition_row(definition: FlowDefinitionRecord, user_id: str) -> dict[str, Any]:
    active, latest = definition.active, definition.latest
    return {
        "Id": definition.id,
        "DeveloperName": definition.short_name,
        "MasterLabel": latest.flow.label,
        "Description": definition.current_description,
        "ActiveVersionId": active.id if active else None,
        "ActiveVersion": (lambda: tooling_flow_row(active, user_id)) if active else None,
        "LatestVersionId": latest.id,
        "LatestVersion": lambda: tooling_flow_row(latest, user_id),
        "NamespacePrefix": definition.namespace_prefix,
        "ManageableState": _manageable_state(definition),
        "FullName": definition.developer_name,
        "Metadata": lambda: {
            "activeVersionNumber": active.version_number if active else None,
            "description": definition.current_description,
            "masterLabel": latest.flow.label,
            "urls": None,
        },
        **_audit(definition.created_date, definition.last_modified_date, user_id),
    }


def definition_view_row(definition: FlowDefinitionRecord, user_name: str) -> dict[str, Any]:
    active, latest = definition.active, definition.latest
    shown = active or latest
    flow = shown.flow
    return {
        "Id": VIEW_ID,
        "DurableId": definition.id,
        # The namespace is in NamespacePrefix, as on FlowDefinition (DeveloperName) and not in the action name
        # (ns__Name); docs/salesforce-behaviour.md, "Namespaces".
        "ApiName": definition.short_name,
        "Label": flow.label,
        "Description": definition.current_description,
        "ProcessType": flow.process_type,
        "TriggerType": flow.trigger_type,
        "TriggerObjectOrEventId": flow.trigger_object,
        "TriggerObjectOrEventLabel": flow.trigger_object,
        # Salesforce: "Indicates whether the latest version of the flow is active."
        "IsActive": active is not None and active is latest,
        "ActiveVersionId": active.id if active else None,
        "LatestVersionId": latest.id,
        "ApiVersion": _api_version(shown),
        "NamespacePrefix": definition.namespace_prefix,
        "ManageableState": _manageable_state(definition),
        "InstalledPackageName": definition.namespace_prefix,
        "IsOutOfDate": False,
        "IsOverridable": False,
        "IsSwingFlow": False,
        "IsTemplate": False,
        "Builder": "Flow Builder",
        "Environments": "Default",
        "LastModifiedDate": definition.last_modified_date,
        "LastModifiedBy": user_name,
    }


def version_view_row(version: FlowVersion) -> dict[str, Any]:
    flow = version.flow
    return {
        "Id": VIEW_ID,
        "DurableId": version.id,
        "FlowDefinitionViewId": version.definition.id,
        "Label": flow.label,
        "Description": flow.description,
        "ProcessType": flow.process_type,
        "Status": version.status,
        "VersionNumber": version.version_number,
        "ApiVersion": _api_version(version),
        "ApiVersionRuntime": _api_version(version),
        "RunInMode": flow.run_in_mode or "DefaultMode",
        "IsTemplate": False,
        "IsSwingFlow": False,
        "CapabilityType": None,
        "CreatedDate": version.created_date,
        "LastModifiedDate": version.last_modified_date,
    }


def interview_row(interview: PausedInterview) -> dict[str, Any]:
    return {
        "Id": interview.id,
        "Name": interview.name,
        "Guid": interview.guid,
        "CurrentElement": interview.current_element,
        "InterviewLabel": interview.label,
        "InterviewStatus": interview.status,
        "PauseLabel": interview.pause_label,
        "WasPausedFromScreen": interview.was_paused_from_screen,
        "CurrentFlowVersionId": interview.flow_version_id,
        "FlowVersionViewId": interview.flow_version_id,
        "OwnerId": interview.owner_id,
        "Error": None,
        "IsDeleted": False,
        **_audit(interview.created_date, interview.last_modified_date, interview.owner_id),
    }


def seed_flow_row(version: FlowVersion, user_id: str) -> dict[str, Any]:
    flow = version.flow
    return {
        "Id": version.id,
        "ApiName": version.api_name,
        "Label": flow.label,
        "ProcessType": flow.process_type,
        "Status": version.status,
        "VersionNumber": version.version_number,
        "Description": flow.description,
        "DefinitionId": version.definition.id,
        "ApiVersion": _api_version(version),
        **_audit(version.created_date, version.last_modified_date, user_id),
    }


def _user_name(state: OrgState) -> str:
    user = state.records.get("User", state.user_id) or {}
    return " ".join(str(user[k]) for k in ("FirstName", "LastName") if user.get(k)) or "Admin User"


# -- catalogs (built and read in a worker thread under the org lock) ---------------------------------------------------
def tooling_catalog(state: OrgState) -> QueryCatalog:
    def rows(schema: ObjectSchema) -> Sequence[Row]:
        if schema is TOOLING_FLOW:
            return [tooling_flow_row(v, state.user_id) for v in state.flows.versions()]
        return [flow_definition_row(d, state.user_id) for d in state.flows.definitions()]

    return QueryCatalog({"flow": TOOLING_FLOW, "flowdefinition": TOOLING_FLOW_DEFINITION}, rows)


def data_catalog(state: OrgState, sobject: str) -> QueryCatalog:
    """The data API's objects; `sobject` (the FROM object) decides which record object is looked up."""
    schemas = {s.name.lower(): s for s in (FLOW_DEFINITION_VIEW, FLOW_VERSION_VIEW, FLOW_INTERVIEW)}
    record_rows: list[dict[str, Any]] = []
    record_object = None if sobject.lower() in schemas else state.records.object_name(sobject)
    if record_object is not None:
        record_rows = state.records.rows(record_object)
        fields = dict.fromkeys(_RECORD_FIELDS)
        for record in record_rows:
            fields.update(dict.fromkeys(k for k in record if k != "attributes"))
        schemas[record_object.lower()] = ObjectSchema(record_object, tuple(fields))

    def rows(schema: ObjectSchema) -> Sequence[Row]:
        if schema is FLOW_DEFINITION_VIEW:
            user_name = _user_name(state)
            return [definition_view_row(d, user_name) for d in state.flows.definitions()]
        if schema is FLOW_VERSION_VIEW:
            return [version_view_row(v) for v in state.flows.versions()]
        if schema is FLOW_INTERVIEW:
            return [interview_row(i) for i in state.interviews()]
        return record_rows

    return QueryCatalog(schemas, rows)


def seed_catalog(state: OrgState) -> QueryCatalog:
    return QueryCatalog(
        {"flow": SEED_FLOW}, lambda _schema: [seed_flow_row(v, state.user_id) for v in state.flows.versions()]
    )


def record_shape(schema: ObjectSchema, row: Row, api_version: str) -> dict[str, Any]:
    """A full record as GET /sobjects/{type}/{id} returns it: attributes, then every field (no relationships)."""
    record: dict[str, Any] = {"attributes": {"type": schema.name, "url": schema.url(row, api_version)}}
    for name in schema.fields:
        value = row.get(name)
        record[name] = value() if callable(value) else value
    return record
