"""Collection processors, one test per collectionProcessorType the Metadata API lists for FlowCollectionProcessor
(Metadata API Developer Guide, Flow, FlowCollectionProcessor and FlowCollectionMapItem:
https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_visual_workflow.htm):
SortCollectionProcessor (sortOptions: sortField, sortOrder, doesPutEmptyStringAndNullFirst; `limit` after the sort),
FilterCollectionProcessor (conditions or formula over the item in assignNextValueToReference) and
RecommendationMapCollectionProcessor (`mapItems`: assignToFieldReference, operator, value; `outputSObjectType`).
The Map processor is Flow Builder's Recommendation Assignment element (Salesforce Help, "Recommendation Assignment
Element", https://help.salesforce.com/s/articleView?id=platform.flow_ref_elements_recommendation_assignment.htm): it
outputs a new recommendation collection and can't update existing variables; it sets a field's value across all
recommendations in the output; it can create recommendations from another object's records.
"""

from __future__ import annotations

from typing import Any

import pytest

from salesforce_flow_mcp.localorg.flows.engine.collection_processors import PROCESSORS
from salesforce_flow_mcp.localorg.flows.engine.flow_engine import FlowEngine
from salesforce_flow_mcp.localorg.flows.parse.elements import SUPPORTED_COLLECTION_PROCESSORS
from tests.localorg.flow_builders import assign, build, lit, outputs_of, ref, var

# ---- collection processors (Metadata API FlowCollectionProcessor: sortOptions, limit, conditions) ---------------

ACCOUNTS = [
    {"attributes": {"type": "Account"}, "Name": "beta", "NumberOfEmployees": 20},
    {"attributes": {"type": "Account"}, "Name": None, "NumberOfEmployees": 5},
    {"attributes": {"type": "Account"}, "Name": "Alpha", "NumberOfEmployees": 50},
]


def _processor(body: str) -> str:
    return (
        "<collectionProcessors><name>Process</name><label>Process</label><collectionReference>accounts"
        f"</collectionReference>{body}<connector><targetReference>Copy</targetReference></connector>"
        "</collectionProcessors>"
    )


def _run_processor(engine: FlowEngine, body: str, *extra: str) -> list[Any]:
    flow = build(
        var("accounts", "SObject", inp=True, many=True, obj="Account"),
        var("result", "SObject", out=True, many=True, obj="Account"),
        *extra,
        _processor(body),
        assign("Copy", [("result", "Assign", ref("Process"))]),
        start="Process",
    )
    return [row["Name"] for row in outputs_of(engine.run(flow, {"accounts": ACCOUNTS}))["result"]]


@pytest.mark.parametrize(
    ("order", "nulls_first", "limit", "expected"),
    [
        ("Asc", False, None, ["Alpha", "beta", None]),
        ("Desc", False, None, ["beta", "Alpha", None]),
        ("Asc", True, 2, [None, "Alpha"]),
    ],
)
def test_sort_collection_processor(
    engine: FlowEngine, order: str, nulls_first: bool, limit: int | None, expected: list[Any]
) -> None:
    """Sort by a field, ascending or descending, empty values first or last, keeping the first `limit` items."""
    body = (
        "<collectionProcessorType>SortCollectionProcessor</collectionProcessorType>"
        + (f"<limit>{limit}</limit>" if limit is not None else "")
        + f"<sortOptions><doesPutEmptyStringAndNullFirst>{str(nulls_first).lower()}</doesPutEmptyStringAndNullFirst>"
        f"<sortField>Name</sortField><sortOrder>{order}</sortOrder></sortOptions>"
    )
    assert _run_processor(engine, body) == expected


def test_filter_collection_processor(engine: FlowEngine) -> None:
    """Filter keeps the items whose current item (assignNextValueToReference) meets the conditions."""
    body = (
        "<collectionProcessorType>FilterCollectionProcessor</collectionProcessorType>"
        "<assignNextValueToReference>currentItem</assignNextValueToReference><conditionLogic>and</conditionLogic>"
        "<conditions><leftValueReference>currentItem.NumberOfEmployees</leftValueReference>"
        "<operator>GreaterThan</operator><rightValue><numberValue>10</numberValue></rightValue></conditions>"
    )
    assert _run_processor(engine, body, var("currentItem", "SObject", obj="Account")) == ["beta", "Alpha"]


def _map_rule(field: str, operator: str, value: str) -> str:
    return (
        f"<mapItems><assignToFieldReference>Process.{field}</assignToFieldReference><operator>{operator}</operator>"
        f"<value>{value}</value></mapItems>"
    )


MAP_TO_RECOMMENDATIONS = (
    "<collectionProcessorType>RecommendationMapCollectionProcessor</collectionProcessorType>"
    "<assignNextValueToReference>currentItem</assignNextValueToReference>"
    + _map_rule("Name", "Assign", ref("currentItem.Name"))
    + _map_rule("Description", "Assign", lit("stringValue", "Renewal offer for "))
    + _map_rule("Description", "Add", ref("currentItem.Name"))
    + _map_rule("AcceptanceLabel", "Assign", lit("stringValue", "Accept"))
)


def _run_map(engine: FlowEngine, body: str, items: list[dict[str, Any]], item_type: str) -> dict[str, Any]:
    flow = build(
        var("accounts", "SObject", inp=True, out=True, many=True, obj=item_type),
        var("currentItem", "SObject", obj=item_type),
        var("result", "SObject", out=True, many=True, obj="Recommendation"),
        _processor(body),
        assign("Copy", [("result", "Assign", ref("Process"))]),
        start="Process",
    )
    return outputs_of(engine.run(flow, {"accounts": items}))


def test_recommendation_map_makes_one_record_per_item_from_another_objects_records(engine: FlowEngine) -> None:
    """Another object's records become new Recommendation records (the default outputSObjectType here), one per
    item, each rule applied in order with the item in currentItem (Add on text appends); the input is unchanged."""
    outputs = _run_map(engine, MAP_TO_RECOMMENDATIONS, ACCOUNTS, "Account")
    assert outputs["result"] == [
        {
            "attributes": {"type": "Recommendation"},
            "Name": name,
            "Description": f"Renewal offer for {name or ''}",
            "AcceptanceLabel": "Accept",
        }
        for name in ("beta", None, "Alpha")
    ]
    assert outputs["accounts"] == ACCOUNTS


def test_recommendation_map_sets_a_field_across_recommendations_and_names_its_output_type(engine: FlowEngine) -> None:
    """Recommendations in: each output record starts from its recommendation, so setting AcceptanceLabel sets it on
    every one and the other fields stay; `outputSObjectType` names the output type."""
    loaded = [
        {"attributes": {"type": "Recommendation"}, "Name": "Upgrade", "ActionReference": "Upgrade_Flow"},
        {"attributes": {"type": "Recommendation"}, "Name": "Survey", "ActionReference": "Survey_Flow"},
    ]
    body = (
        "<collectionProcessorType>RecommendationMapCollectionProcessor</collectionProcessorType>"
        "<outputSObjectType>Recommendation</outputSObjectType>"
        + _map_rule("AcceptanceLabel", "Assign", lit("stringValue", "Yes, please"))
    )
    result = _run_map(engine, body, loaded, "Recommendation")["result"]
    assert result == [{**rec, "AcceptanceLabel": "Yes, please"} for rec in loaded]


def test_every_processor_type_the_metadata_api_lists_runs() -> None:
    """SortCollectionProcessor, RecommendationMapCollectionProcessor, FilterCollectionProcessor (FlowCollectionProcessor
    .collectionProcessorType): the loader accepts exactly the types the engine has a runner for."""
    assert (
        set(PROCESSORS)
        == SUPPORTED_COLLECTION_PROCESSORS
        == {
            "SortCollectionProcessor",
            "FilterCollectionProcessor",
            "RecommendationMapCollectionProcessor",
        }
    )
