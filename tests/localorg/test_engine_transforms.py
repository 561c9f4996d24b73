"""The Transform element and what an element the engine cannot run does.

Transform: Metadata API Developer Guide, Flow, FlowTransform / FlowTransformValue / FlowTransformValueAction
(https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_visual_workflow.htm), and Salesforce
Help, "Flow Element: Transform" (https://help.salesforce.com/s/articleView?id=platform.flow_ref_elements_transform.htm):
map source data to a target record or collection; `[$EachItem]` is the current item of a source collection; Sum and
Count aggregate a collection. The XML shapes are those of real flows (the flow scanner's OCR_Flow; Flow Builder output).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from salesforce_flow_mcp.localorg.flows.engine.flow_engine import FlowEngine
from salesforce_flow_mcp.localorg.store.records import RecordStore
from tests.localorg.flow_builders import build, lit, outputs_of, ref, var


@pytest.fixture
def engine() -> Iterator[FlowEngine]:
    conn = sqlite3.connect(":memory:")
    yield FlowEngine(RecordStore(conn), lambda name: None)
    conn.close()


def transform(name: str, data_type: str, actions: str, *, many: bool = False, obj: str = "", then: str = "") -> str:
    obj_xml = f"<objectType>{obj}</objectType>" if obj else ""
    connector = f"<connector><targetReference>{then}</targetReference></connector>" if then else ""
    return (
        f"<transforms><name>{name}</name><label>{name}</label>{connector}<dataType>{data_type}</dataType>"
        f"<isCollection>{str(many).lower()}</isCollection>{obj_xml}<scale>2</scale><transformValues>{actions}"
        "</transformValues></transforms>"
    )


def map_to(field: str, value: str) -> str:
    return (
        f"<transformValueActions><outputFieldApiName>{field}</outputFieldApiName><transformType>Map</transformType>"
        f"<value>{value}</value></transformValueActions>"
    )


def output(name: str, source: str) -> str:
    return (
        f"<assignments><name>{name}</name><label>{name}</label><assignmentItems><assignToReference>result"
        f"</assignToReference><operator>Assign</operator><value>{ref(source)}</value></assignmentItems></assignments>"
    )


def test_a_transform_maps_values_onto_one_record(engine: FlowEngine) -> None:
    """OCR_Flow's shape: an OpportunityContactRole built from two references and a text literal."""
    flow = build(
        var("opportunityId", "String", inp=True),
        var("contactId", "String", inp=True),
        var("result", "SObject", out=True, obj="OpportunityContactRole"),
        transform(
            "OCR_Mapping",
            "SObject",
            map_to("OpportunityId", ref("opportunityId"))
            + map_to("ContactId", ref("contactId"))
            + map_to("Role", lit("stringValue", "Decision Maker")),
            obj="OpportunityContactRole",
            then="Out",
        ),
        output("Out", "OCR_Mapping"),
        start="OCR_Mapping",
    )
    assert outputs_of(engine.run(flow, {"opportunityId": "006A", "contactId": "003B"})) == {
        "result": {
            "attributes": {"type": "OpportunityContactRole"},
            "OpportunityId": "006A",
            "ContactId": "003B",
            "Role": "Decision Maker",
        }
    }


def test_a_transform_maps_each_item_of_a_collection(engine: FlowEngine) -> None:
    """processedContacts[$EachItem].LastName: one Task per contact, its Subject from the contact's LastName."""
    flow = build(
        var("contacts", "SObject", inp=True, many=True, obj="Contact"),
        var("result", "SObject", out=True, many=True, obj="Task"),
        transform(
            "Map_Contacts",
            "SObject",
            map_to("Subject", ref("contacts[$EachItem].LastName")) + map_to("Status", lit("stringValue", "Open")),
            many=True,
            obj="Task",
            then="Out",
        ),
        output("Out", "Map_Contacts"),
        start="Map_Contacts",
    )
    contacts = [{"attributes": {"type": "Contact"}, "LastName": n} for n in ("Lovelace", "Hopper")]
    assert outputs_of(engine.run(flow, {"contacts": contacts}))["result"] == [
        {"attributes": {"type": "Task"}, "Subject": "Lovelace", "Status": "Open"},
        {"attributes": {"type": "Task"}, "Subject": "Hopper", "Status": "Open"},
    ]
    assert outputs_of(engine.run(flow, {}))["result"] == []


@pytest.mark.parametrize(("kind", "expected"), [("Sum", 42.75), ("Count", 3)])
def test_a_transform_sums_or_counts_a_collection(engine: FlowEngine, kind: str, expected: float) -> None:
    """Sum over aggregationField of aggregationValues (10.5 + 20 + 12.25 = 42.75; a null cost adds nothing), or
    Count of the items (3)."""
    action = (
        "<transformValueActions><inputParameters><name>aggregationValues</name><value>"
        f"{ref('legs')}</value></inputParameters><inputParameters><name>aggregationField</name><value>"
        f"{lit('stringValue', 'Quoted_Cost__c')}</value></inputParameters><transformType>{kind}</transformType>"
        "</transformValueActions>"
    )
    flow = build(
        var("legs", "SObject", inp=True, many=True, obj="Leg__c"),
        var("result", "Number", out=True, scale=2),
        transform("Total", "Number", action, then="Out"),
        output("Out", "Total"),
        start="Total",
    )
    legs = [{"Quoted_Cost__c": 10.5}, {"Quoted_Cost__c": 20}, {"Quoted_Cost__c": 12.25}, {"Quoted_Cost__c": None}]
    inputs = {"legs": legs if kind == "Sum" else legs[:3]}
    assert outputs_of(engine.run(flow, inputs)) == {"result": expected}


def test_an_element_the_engine_cannot_run_faults_naming_its_type(engine: FlowEngine) -> None:
    """Never a silent skip: a collection processor of a type the engine does not implement (a later release's)
    names that type, and the interview stops there."""
    flow = build(
        var("items", "String", inp=True, many=True),
        "<collectionProcessors><name>Recommend</name><label>Recommend</label>"
        "<collectionProcessorType>FutureCollectionProcessor</collectionProcessorType>"
        "<collectionReference>items</collectionReference></collectionProcessors>",
        start="Recommend",
    )
    outcome = engine.run(flow, {"items": ["a"]})
    assert (outcome.status, outcome.current_element) == ("Error", "Recommend")
    assert "cannot run the collectionProcessors (FutureCollectionProcessor) element 'Recommend' yet" in str(
        outcome.error_message
    )
    assert "docs/flow-engine.md" in str(outcome.error_message)
