"""Get, Create, Update and Delete Records on the record store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from salesforce_flow_mcp.localorg.flows.engine.flow_engine import InterviewOutcome
from salesforce_flow_mcp.localorg.store.records import RecordStore
from tests.localorg.flow_builders import build, collect_records, connector, lit, outputs_of, ref, var

# ---- record elements -------------------------------------------------------------------------------------------


def _seed_accounts(store: RecordStore) -> list[str]:
    return [
        store.insert("Account", {"Name": name, "Industry": industry, "AnnualRevenue": revenue})
        for name, industry, revenue in [
            ("Acme", "Tech", 500),
            ("Globex", "Tech", 900),
            ("Initech", "Retail", 300),
            ("Umbrella", "tech", None),
        ]
    ]


def _lookup(filters: str, extra: str, output: str) -> str:
    head = "<recordLookups><name>Find</name><label>Find</label>"
    return f"{head}{filters}{extra}{output}<object>Account</object></recordLookups>"


def _filter(field: str, op: str, value: str) -> str:
    return f"<filters><field>{field}</field><operator>{op}</operator><value>{value}</value></filters>"


def test_lookup_filters_sort_limit_and_fields(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    _seed_accounts(store)
    flow = build(
        var("found", "SObject", out=True, many=True, obj="Account"),
        _lookup(
            _filter("Industry", "EqualTo", lit("stringValue", "TECH")),
            "<sortField>AnnualRevenue</sortField><sortOrder>Desc</sortOrder><limit>2</limit>"
            "<queriedFields>Name</queriedFields><getFirstRecordOnly>false</getFirstRecordOnly>",
            "<outputReference>found</outputReference>",
        ),
        start="Find",
    )
    found = outputs_of(run(flow))["found"]
    # SOQL-like: case-insensitive match (3 tech accounts), descending with nulls last, limit 2, Id + queried fields.
    assert [a["Name"] for a in found] == ["Globex", "Acme"]
    assert set(found[0]) == {"attributes", "Id", "Name"}


@pytest.mark.parametrize(
    ("limit", "inputs", "expected"),
    [
        (f"<limit>{lit('numberValue', '2')}</limit>", {}, ["Globex", "Acme"]),
        (f"<limit>{ref('howMany')}</limit>", {"howMany": 1}, ["Globex"]),
        ("", {}, ["Globex", "Acme", "Umbrella"]),
    ],
)
def test_lookup_limit_as_a_value_or_a_reference(
    run: Callable[..., InterviewOutcome], store: RecordStore, limit: str, inputs: dict[str, Any], expected: list[str]
) -> None:
    """Metadata API FlowRecordLookup.limit (API 63.0+): a FlowElementReferenceOrValue, "the maximum number of records
    to store", supported when getFirstRecordOnly is false. The value (or the variable it names) caps the records;
    before, a <limit> written as a value was read as no limit at all."""
    _seed_accounts(store)
    flow = build(
        var("howMany", "Number", inp=True, scale=0),
        var("found", "SObject", out=True, many=True, obj="Account"),
        _lookup(
            _filter("Industry", "EqualTo", lit("stringValue", "tech")),
            f"<sortField>AnnualRevenue</sortField><sortOrder>Desc</sortOrder>{limit}"
            "<getFirstRecordOnly>false</getFirstRecordOnly><storeOutputAutomatically>false</storeOutputAutomatically>",
            "<outputReference>found</outputReference>",
        ),
        start="Find",
    )
    assert [a["Name"] for a in outputs_of(run(flow, inputs))["found"]] == expected


def test_lookup_first_record_custom_logic_and_output_assignments(
    run: Callable[..., InterviewOutcome], store: RecordStore
) -> None:
    ids = _seed_accounts(store)
    flow = build(
        var("name", "String", out=True),
        var("revenue", "Currency", out=True, scale=2),
        _lookup(
            _filter("Industry", "EqualTo", lit("stringValue", "Retail"))
            + _filter("AnnualRevenue", "GreaterThan", lit("numberValue", "800")),
            "<filterLogic>1 OR 2</filterLogic><sortField>Name</sortField><sortOrder>Asc</sortOrder>"
            "<assignNullValuesIfNoRecordsFound>true</assignNullValuesIfNoRecordsFound>",
            "<outputAssignments><assignToReference>name</assignToReference><field>Name</field></outputAssignments>"
            "<outputAssignments><assignToReference>revenue</assignToReference><field>AnnualRevenue</field>"
            "</outputAssignments>",
        ),
        start="Find",
    )
    assert outputs_of(run(flow)) == {"name": "Globex", "revenue": 900.0}
    store.delete("Account", ids[1])
    store.delete("Account", ids[2])
    assert outputs_of(run(flow)) == {"name": None, "revenue": None}


def test_create_update_delete_by_reference_and_filter(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    flow = build(
        *collect_records("Account", "Name", done="Save"),
        f"<recordCreates><name>Save</name><label>Save</label>{connector('Rate')}"
        "<inputReference>records</inputReference></recordCreates>",
        "<recordUpdates><name>Rate</name><label>Rate</label>"
        f"{connector('Drop')}{_filter('Name', 'StartsWith', lit('stringValue', 'B'))}"
        f"<inputAssignments><field>Rating</field><value>{lit('stringValue', 'Hot')}</value></inputAssignments>"
        "<object>Account</object></recordUpdates>",
        "<recordDeletes><name>Drop</name><label>Drop</label>"
        f"{_filter('Name', 'EqualTo', lit('stringValue', 'Cee'))}<object>Account</object></recordDeletes>",
        start="Each",
    )
    result = outputs_of(run(flow, {"names": ["Ay", "Bee", "Cee"]}))
    # The created records get their Ids back in the collection.
    assert [a["Id"][:3] for a in result["records"]] == ["001", "001", "001"]
    assert [(a["Name"], a.get("Rating")) for a in store.rows("Account")] == [("Ay", None), ("Bee", "Hot")]


def test_update_without_id_faults(run: Callable[..., InterviewOutcome]) -> None:
    flow = build(
        var("acct", "SObject", inp=True, obj="Account"),
        "<recordUpdates><name>Save</name><label>Save</label><inputReference>acct</inputReference></recordUpdates>",
        start="Save",
    )
    outcome = run(flow, {"acct": {"attributes": {"type": "Account"}, "Name": "No Id"}})
    assert outcome.status == "Error"
    assert "This error occurred when the flow tried to update records: MISSING_ARGUMENT" in str(outcome.error_message)


@pytest.mark.parametrize(
    ("extra", "what"),
    [
        ("<doesUpsert>true</doesUpsert><upsertStandardIdField>Id</upsertStandardIdField>", "upserts (doesUpsert)"),
        (
            _filter("Name", "EqualTo", lit("stringValue", "Acme"))
            + "<operationOneMatchingRecord>UpdateAllRecords</operationOneMatchingRecord>",
            "checks for matching records (filters)",
        ),
    ],
)
def test_create_records_that_match_or_upsert_stop_instead_of_inserting(
    run: Callable[..., InterviewOutcome], store: RecordStore, extra: str, what: str
) -> None:
    """Metadata API FlowRecordCreate: `doesUpsert` (API 62.0) and `filters` with operationOneMatchingRecord /
    operationMultMatchingRecords (API 61.0; Help, "Check for Duplicate Records": update or skip the matching
    record) make Create Records update or skip instead of insert. The engine does not run them yet: the interview
    stops naming the feature, and nothing is inserted (a plain insert would be a silent wrong answer)."""
    flow = build(
        "<recordCreates><name>Make</name><label>Make</label><inputAssignments><field>Name</field>"
        f"<value>{lit('stringValue', 'Acme')}</value></inputAssignments>{extra}<object>Account</object>"
        "</recordCreates>",
        start="Make",
    )
    outcome = run(flow)
    assert (outcome.status, outcome.current_element) == ("Error", "Make")
    assert f"The Create Records element Make {what}, which the embedded org does not run yet" in str(
        outcome.error_message
    )
    assert store.rows("Account") == []
