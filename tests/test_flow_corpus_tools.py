"""Per-flow tool schemas for every real flow of tests/data/flows-corpus, served by the embedded org over HTTP.

The expected interface of each flow (is it invocable, which variables are inputs and outputs, of which types) is
read from the XML here with defusedxml, independently of the org's loader; the schemas are derived from the
describes the org serves at /actions/custom/flow/{name}, as the MCP server derives them from a real org.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from defusedxml import ElementTree
from jsonschema import Draft202012Validator

from salesforce_flow_mcp.localorg.app import create_org_app
from salesforce_flow_mcp.localorg.store.state import DEMO_ACCESS_TOKEN, OrgState
from salesforce_flow_mcp.tools.flow_naming import assign_tool_names
from salesforce_flow_mcp.tools.flow_schema import FlowToolSchemas, schemas_from_describe
from tests.support import CORPUS  # a copy of the shared corpus; its SOURCES.md says from where

NS = "{http://soap.sforce.com/2006/04/metadata}"
SUFFIX = ".flow-meta.xml"
API = "/services/data/v59.0"
INTERVIEW_OUTPUTS = {"Flow__InterviewStatus", "Flow__InterviewGuid"}
# Salesforce exposes active autolaunched flows (and invocable processes) without a start trigger as flow actions.
INVOCABLE_PROCESS_TYPES = {"AutoLaunchedFlow", "InvocableProcess"}

# Flow variable dataType -> the JSON type its schema must have, and a value an agent could send
SAMPLE_BY_DATA_TYPE: dict[str, tuple[str | None, Any]] = {
    "String": ("string", "sample text"),
    "Number": ("number", 2),
    "Currency": ("number", 3.5),
    "Boolean": ("boolean", True),
    "Date": ("string", "2024-05-01"),
    "DateTime": ("string", "2024-05-01T12:00:00Z"),
    "Time": ("string", "12:00:00.000Z"),
    "Picklist": ("string", None),
    "Multipicklist": ("string", None),
    "SObject": ("object", None),  # built from objectType
    "Apex": (None, {}),
}


@dataclass(frozen=True)
class Variable:
    name: str
    data_type: str
    is_collection: bool
    object_type: str | None
    apex_class: str | None


@dataclass
class CorpusFlow:
    path: Path
    api_name: str
    label: str
    process_type: str
    trigger_type: str | None
    status: str
    inputs: dict[str, Variable] = field(default_factory=dict)
    outputs: dict[str, Variable] = field(default_factory=dict)

    @property
    def invocable(self) -> bool:
        return self.process_type in INVOCABLE_PROCESS_TYPES and self.trigger_type is None


def _child(el: Any, tag: str) -> str | None:
    found = el.find(NS + tag)
    return None if found is None or found.text is None else found.text.strip()


def parse_corpus_flow(path: Path) -> CorpusFlow:
    root = ElementTree.parse(path).getroot()
    start = root.find(NS + "start")
    flow = CorpusFlow(
        path=path,
        api_name=path.name[: -len(SUFFIX)],
        label=_child(root, "label") or "",
        process_type=_child(root, "processType") or "",
        trigger_type=None if start is None else _child(start, "triggerType"),
        status=_child(root, "status") or "",
    )
    for el in root.findall(NS + "variables"):
        var = Variable(
            name=_child(el, "name") or "",
            data_type=_child(el, "dataType") or "",
            is_collection=_child(el, "isCollection") == "true",
            object_type=_child(el, "objectType"),
            apex_class=_child(el, "apexClass"),
        )
        if _child(el, "isInput") == "true":
            flow.inputs[var.name] = var
        if _child(el, "isOutput") == "true":
            flow.outputs[var.name] = var
    return flow


@dataclass
class OrgView:
    """What the org served: the action list before and after activating drafts, describes, invocation results."""

    listed_before_activation: set[str]
    listed: dict[str, dict[str, Any]]
    activations: dict[str, dict[str, Any]]
    describe_status: dict[str, int]
    describes: dict[str, dict[str, Any]]
    empty_runs: dict[str, dict[str, Any]]
    sample_runs: dict[str, dict[str, Any]]
    flow_count: int


def sample_value(var: Variable) -> Any:
    _, value = SAMPLE_BY_DATA_TYPE.get(var.data_type, (None, "x"))
    if var.data_type == "SObject":
        value = {"attributes": {"type": var.object_type}} if var.object_type else {}
    return [value, value] if var.is_collection else value


def sample_arguments(flow: CorpusFlow) -> dict[str, Any]:
    return {name: sample_value(var) for name, var in flow.inputs.items()}


@pytest.fixture(scope="module")
def corpus() -> dict[str, CorpusFlow]:
    files = sorted(CORPUS.rglob(f"*{SUFFIX}"))
    flows = {f.api_name: f for f in map(parse_corpus_flow, files)}
    assert len(flows) == len(files), "two corpus files share an ApiName"
    return flows


@pytest.fixture(scope="module")
def org(corpus: dict[str, CorpusFlow], tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgView]:
    folder = tmp_path_factory.mktemp("corpus")
    for flow in corpus.values():
        target = folder / flow.path.relative_to(CORPUS)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(flow.path, target)
    state = OrgState.create(":memory:", folder)
    try:
        yield anyio.run(_collect, state, corpus)
    finally:
        state.close()


async def _collect(state: OrgState, corpus: dict[str, CorpusFlow]) -> OrgView:
    transport = httpx2.ASGITransport(app=create_org_app(state))
    headers = {"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"}
    async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1", headers=headers) as client:

        async def listed() -> dict[str, dict[str, Any]]:
            reply = await client.get(f"{API}/actions/custom/flow")
            assert reply.status_code == 200, reply.text
            return {a["name"]: a for a in reply.json()["actions"]}

        before = set(await listed())
        # A Draft file is loaded as a Draft version: describable (an admin runs the latest version) but not listed.
        # Deploy it again through the org's hook with activate=true, as an admin activating it would.
        activations: dict[str, dict[str, Any]] = {}
        for flow in corpus.values():
            if flow.status != "Active":
                reply = await client.post(
                    "/__org/flows",
                    params={"name": flow.api_name, "activate": "true"},
                    content=flow.path.read_bytes(),
                    headers={"Content-Type": "application/xml"},
                )
                assert reply.status_code == 201, reply.text
                activations[flow.api_name] = reply.json()
        after = await listed()

        statuses: dict[str, int] = {}
        describes: dict[str, dict[str, Any]] = {}
        for name in corpus:
            reply = await client.get(f"{API}/actions/custom/flow/{name}")
            statuses[name] = reply.status_code
            if reply.status_code == 200:
                describes[name] = reply.json()

        async def invoke(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
            reply = await client.post(f"{API}/actions/custom/flow/{name}", json={"inputs": [arguments]})
            assert reply.status_code in (200, 400), reply.text
            result: dict[str, Any] = reply.json()[0]
            return result

        empty_runs = {name: await invoke(name, {}) for name in after}
        sample_runs = {name: await invoke(name, sample_arguments(corpus[name])) for name in after}
        return OrgView(
            listed_before_activation=before,
            listed=after,
            activations=activations,
            describe_status=statuses,
            describes=describes,
            empty_runs=empty_runs,
            sample_runs=sample_runs,
            flow_count=len(state.flows.definitions()),
        )


@pytest.fixture(scope="module")
def schemas(org: OrgView) -> dict[str, FlowToolSchemas]:
    return {name: schemas_from_describe(org.describes[name]) for name in org.listed}


def invocable(corpus: dict[str, CorpusFlow]) -> set[str]:
    return {name for name, flow in corpus.items() if flow.invocable}


def test_every_corpus_file_is_loaded(corpus: dict[str, CorpusFlow], org: OrgView) -> None:
    assert len(corpus) == 89
    assert org.flow_count == len(corpus)


def test_draft_files_are_listed_only_once_activated(corpus: dict[str, CorpusFlow], org: OrgView) -> None:
    drafts = {name for name, flow in corpus.items() if flow.status in ("Draft", "InvalidDraft")}
    assert drafts == {
        "Flow_OneView_Test_Elements2",  # InvalidDraft
        "Unconnected_Element_Async",  # record-triggered, never listed
        "Schedule_Recs",
        "Utility_Copy_Files_Subflow",
        "Webhook2Flow_Deploy_Test",
        "Account_Alerts",
        "Update_Contacts_For_Won_Opportunities",
        # screen flows (processType Flow), never listed as actions
        "DemoFlow_Clone_Collection",
        "DemoFlow_Map_Collection",
        "Flow_OneView_Test_Elements",
        "Get_All_Elements_Flow",
        "Get_All_Elements_Flow_ALL_FIELDS",
        "Get_All_Elements_Flow_FieldVarRecord",
        "Get_All_Elements_Flow_IndividualVar",
        "Get_All_Elements_Flow_Salesforce_Do_The_rest",
        "HardcodedUrl",
        "TestFlowAllElements",
        "Unsafe_Running_Context",
        "sendHTMLEmail_Test_Create_Test_Templates_if_needed",
    }
    drafts &= invocable(corpus)
    assert org.listed_before_activation == invocable(corpus) - drafts
    for name in drafts:
        assert org.activations[name]["status"] == "Active"
        assert org.activations[name]["versionNumber"] == 2  # the Draft stays as version 1
        assert name in org.listed


def test_the_listed_actions_are_exactly_the_invocable_flows(corpus: dict[str, CorpusFlow], org: OrgView) -> None:
    assert set(org.listed) == invocable(corpus)
    assert len(org.listed) == 57
    for name, action in org.listed.items():
        assert action["type"] == "FLOW"
        assert action["label"] == corpus[name].label
        assert action["url"] == f"{API}/actions/custom/flow/{name}"


def test_non_invocable_flows_have_no_action(corpus: dict[str, CorpusFlow], org: OrgView) -> None:
    others = set(corpus) - invocable(corpus)
    # record-triggered (8), platform-event (1) and processType Flow (23)
    assert len(others) == 32
    assert {corpus[n].process_type for n in others} == {"AutoLaunchedFlow", "Flow"}
    for name in others:
        assert org.describe_status[name] == 404, name
        assert name not in org.listed
        assert name not in org.empty_runs


def test_every_invocable_flow_yields_valid_schemas(org: OrgView, schemas: dict[str, FlowToolSchemas]) -> None:
    assert set(schemas) == set(org.listed)
    for name, tool in schemas.items():
        Draft202012Validator.check_schema(tool.input_schema)
        assert tool.input_schema["additionalProperties"] is False, name
        assert tool.output_schema is None, name  # the outputs are in the description
        label = org.listed[name]["label"]
        # The label is the title unless it is the API name with spaces (the tool name says it then).
        fold = str.maketrans("", "", " _-")
        plain = label.translate(fold).casefold() == name.translate(fold).casefold()
        assert tool.title == (None if plain else label), name


def test_schema_properties_are_exactly_the_flow_interface(
    corpus: dict[str, CorpusFlow], schemas: dict[str, FlowToolSchemas]
) -> None:
    for name, tool in schemas.items():
        flow = corpus[name]
        assert set(tool.input_schema["properties"]) == set(flow.inputs), name
        named = _returned(tool)
        assert set(named) == set(flow.outputs), name
        # Flow variables are never required inputs: a missing one keeps its default.
        assert "required" not in tool.input_schema, name


def _returned(tool: FlowToolSchemas) -> dict[str, str]:
    """Output name -> kind, as the "Returns a (kind): ...; b (kind)." sentence of the description names them."""
    text = " " + tool.description  # a flow without a description or known effects starts with "Returns"
    if text.endswith(" No outputs of its own."):
        return {}
    sentence = text.rsplit(" Returns ", 1)[1]
    parts = [part.split(":", 1)[0] for part in sentence.rstrip(".").split("; ")]
    return {part.split(" (")[0]: part.split(" (", 1)[1].rstrip(")") for part in parts}


def _json_type(prop: dict[str, Any]) -> Any:
    return prop.get("type")


def test_property_types_follow_the_variable_types(
    corpus: dict[str, CorpusFlow], schemas: dict[str, FlowToolSchemas]
) -> None:
    seen: set[tuple[str, bool]] = set()
    for name, tool in schemas.items():
        flow = corpus[name]
        for var_name, var in flow.inputs.items():
            prop = tool.input_schema["properties"][var_name]
            expected_type, _ = SAMPLE_BY_DATA_TYPE[var.data_type]
            item = prop.get("items", {}) if var.is_collection else prop  # no items: any value (Apex)
            if var.is_collection:
                assert prop["type"] == "array" and prop["maxItems"] >= 2, (name, var_name)
            assert _json_type(item) == expected_type, (name, var_name, prop)
            if var.data_type == "SObject" and var.object_type:
                assert f"{var.object_type} record" in prop["description"], (name, var_name)
                assert tool.record_inputs[var_name] == var.object_type, (name, var_name)
            if var.data_type == "Apex":
                assert var.apex_class and var.apex_class in prop["description"], (name, var_name)
            if var.data_type in ("Date", "DateTime"):
                assert item["format"] == {"Date": "date", "DateTime": "date-time"}[var.data_type]
            seen.add((var.data_type, var.is_collection))
        returned = _returned(tool)
        for var_name, var in flow.outputs.items():
            expected_type, _ = SAMPLE_BY_DATA_TYPE[var.data_type]
            kind = returned[var_name]
            assert kind.endswith("[]") == var.is_collection, (name, var_name, kind)
            if var.data_type == "SObject" and var.object_type:
                assert kind.removesuffix("[]") == var.object_type, (name, var_name, kind)
            elif expected_type is not None:
                assert kind.removesuffix("[]") == expected_type, (name, var_name, kind)
    # the corpus exercises these input shapes (SOURCES.md): make sure none silently fell out
    assert {("String", False), ("SObject", True), ("Apex", True), ("Apex", False), ("DateTime", True)} <= seen
    assert {("Currency", True), ("Boolean", True), ("Date", True), ("Number", True), ("SObject", False)} <= seen


def test_descriptions_mention_every_parameter(
    corpus: dict[str, CorpusFlow], schemas: dict[str, FlowToolSchemas]
) -> None:
    for name, tool in schemas.items():
        # Inputs speak through the inputSchema (their descriptions there), outputs through the description.
        assert set(tool.input_schema["properties"]) == set(corpus[name].inputs), name
        assert set(_returned(tool)) == set(corpus[name].outputs), name
        assert len(tool.description) < 700, name


def test_tool_names_for_the_corpus_are_plain_and_unique(org: OrgView) -> None:
    names = assign_tool_names(org.listed)
    assert names == {name: "flow_" + name for name in org.listed}


def test_arguments_the_schema_accepts_are_accepted_by_the_org(
    corpus: dict[str, CorpusFlow], org: OrgView, schemas: dict[str, FlowToolSchemas]
) -> None:
    for name, tool in schemas.items():
        arguments = sample_arguments(corpus[name])
        Draft202012Validator(tool.input_schema).validate(arguments)
        result = org.sample_runs[name]
        # The flow may still fault (records or Apex it needs are missing), but not because of the argument shapes.
        codes = [e["statusCode"] for e in result.get("errors") or []]
        assert "INVALID_INPUT" not in codes, (name, result)


def test_real_outputs_are_the_ones_the_description_names(org: OrgView, schemas: dict[str, FlowToolSchemas]) -> None:
    checked = 0
    for runs in (org.empty_runs, org.sample_runs):
        for name, result in runs.items():
            if result["isSuccess"]:
                outputs = result["outputValues"]
                assert INTERVIEW_OUTPUTS <= set(outputs)
                # Every output the flow really returns is one the description names (or Salesforce's own two).
                assert set(outputs) - INTERVIEW_OUTPUTS <= set(_returned(schemas[name])), name
                checked += 1
    assert checked >= 20  # most corpus flows finish (or pause) without seeded records
