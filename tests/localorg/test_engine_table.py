"""One test per supported row of docs/flow-engine.md's operator and global tables, and a named test per element row.

Each operator case is a tiny flow (an assignment, or a decision) whose expected result follows Salesforce Help:
- "Flow Operators in Assignment Elements"
  (https://help.salesforce.com/s/articleView?id=platform.flow_ref_operators_assignment.htm): Equals (Assign) replaces;
  Add appends Value as a new item at the end of a collection (numbers add, text concatenates, dates add days);
  Add at Start inserts Value as the first item; Remove All removes every instance of Value (or of each item of a
  Value collection); Remove First removes the first instance; Remove After First keeps the first instance of Value and
  removes every item after it; Remove Before First removes every item before the first instance; Remove Uncommon
  keeps only the items that are also in the Value collection; Remove Position removes the item at that (1-based)
  position; Equals Count (AssignCount) sets a number to the count of items in Value; a multi-select picklist gets
  `;value` from Add Item.
- "Flow Operators in Decision, Wait, and Collection Filter Elements"
  (https://help.salesforce.com/s/articleView?id=platform.flow_ref_operators_condition.htm).
- "Flow Resource: Global Variables" (https://help.salesforce.com/s/articleView?id=platform.flow_ref_resources_global_variables.htm):
  $System.OriginDateTime is 1900-01-01 00:00:00 GMT; $Record__Prior is null outside an update save;
  $Flow.CurrentStage / ActiveStages are empty in a flow without stages; $UserRole is the running user's role; $Client,
  $Event, $Input and $Output exist only in flow types the embedded org does not start.
The sync tests at the end fail when the doc gains a supported row without a case here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from salesforce_flow_mcp.localorg.flows.engine.flow_engine import FlowEngine
from tests.localorg.flow_builders import assign, build, cond, decision, lit, outputs_of, ref, var
from tests.localorg.test_flow_engine_doc import table
from tests.support import REPO

# ---- assignment operators --------------------------------------------------------------------------------------

# (row, target data type, target is a collection, start, arg data type, arg is a collection, arg, expected)
AssignCase = tuple[str, str, bool, Any, str, bool, Any, Any]
ITEMS = ["a", "b", "c", "b"]
ASSIGNMENT_CASES: list[AssignCase] = [
    ("Assign", "String", False, "old", "String", False, "new", "new"),
    ("Assign", "String", True, ITEMS, "String", True, ["x"], ["x"]),
    ("Add", "Number", False, 2, "Number", False, 3, 5),
    ("Add", "String", False, "ab", "String", False, "cd", "abcd"),
    ("Add", "Date", False, "2024-02-28", "Number", False, 2, "2024-03-01"),
    ("Add", "String", True, ITEMS, "String", False, "d", [*ITEMS, "d"]),
    ("Subtract", "Number", False, 10, "Number", False, 4, 6),
    ("Subtract", "Date", False, "2024-03-01", "Number", False, 1, "2024-02-29"),
    ("AddItem", "String", False, "Email;Web", "String", False, "Phone", "Email;Web;Phone"),
    ("AddAtStart", "String", True, ITEMS, "String", False, "z", ["z", *ITEMS]),
    ("AddAtStart", "String", True, [], "String", False, "z", ["z"]),
    ("AddAtStart", "String", True, ["c"], "String", True, ["a", "b"], ["a", "b", "c"]),
    ("AssignCount", "Number", False, 9, "String", True, ["a", "b", "c"], 3),
    ("AssignCount", "Number", False, 9, "String", True, [], 0),
    ("RemoveAll", "String", True, ITEMS, "String", False, "b", ["a", "c"]),
    ("RemoveAll", "String", True, ITEMS, "String", True, ["b", "c"], ["a"]),
    ("RemoveFirst", "String", True, ITEMS, "String", False, "b", ["a", "c", "b"]),
    ("RemoveAfterFirst", "String", True, ITEMS, "String", False, "b", ["a", "b"]),
    ("RemoveAfterFirst", "String", True, ITEMS, "String", False, "a", ["a"]),
    ("RemoveBeforeFirst", "String", True, ITEMS, "String", False, "b", ["b", "c", "b"]),
    ("RemoveBeforeFirst", "String", True, ITEMS, "String", False, "c", ["c", "b"]),
    ("RemovePosition", "String", True, ITEMS, "Number", False, 1, ["b", "c", "b"]),
    ("RemovePosition", "String", True, ITEMS, "Number", False, 4, ["a", "b", "c"]),
    ("RemoveUncommon", "String", True, ITEMS, "String", True, ["b", "x"], ["b", "b"]),
    ("RemoveUncommon", "String", True, ITEMS, "String", True, [], []),
]


@pytest.mark.parametrize(("row", "t_type", "t_many", "start", "a_type", "a_many", "arg", "expected"), ASSIGNMENT_CASES)
def test_assignment_operator_row(
    engine: FlowEngine,
    row: str,
    t_type: str,
    t_many: bool,
    start: Any,
    a_type: str,
    a_many: bool,
    arg: Any,
    expected: Any,
) -> None:
    flow = build(
        var("target", t_type, inp=True, out=True, many=t_many, scale=0 if t_type == "Number" else None),
        var("arg", a_type, inp=True, many=a_many, scale=0 if a_type == "Number" else None),
        assign("Change", [("target", row, ref("arg"))]),
        start="Change",
    )
    assert outputs_of(engine.run(flow, {"target": start, "arg": arg})) == {"target": expected}


def test_remove_position_outside_the_collection_faults(engine: FlowEngine) -> None:
    """docs/flow-engine.md: a position outside the collection faults (Help names no result for it; a fault is the
    safe reading, and a fault connector can catch it)."""
    flow = build(
        var("target", "String", inp=True, out=True, many=True),
        assign("Change", [("target", "RemovePosition", lit("numberValue", "5"))]),
        start="Change",
    )
    outcome = engine.run(flow, {"target": ITEMS})
    assert outcome.status == "Error" and "outside the collection" in str(outcome.error_message)


# ---- condition operators ---------------------------------------------------------------------------------------

# (row, left data type, left, right value XML, expected); `arg` is the text collection ["a", "b"].
CondCase = tuple[str, str, Any, str, bool]
CONDITION_CASES: list[CondCase] = [
    ("EqualTo", "String", "abc", lit("stringValue", "abc"), True),
    ("EqualTo", "String", "abc", lit("stringValue", "ABC"), False),
    ("NotEqualTo", "Number", 5, lit("numberValue", "5"), False),
    ("NotEqualTo", "String", "a", lit("stringValue", "b"), True),
    ("GreaterThan", "Number", 3, lit("numberValue", "3"), False),
    ("GreaterThan", "DateTime", "2024-01-02T00:00:00Z", lit("dateTimeValue", "2024-01-01T00:00:00Z"), True),
    ("GreaterThanOrEqualTo", "Number", 3, lit("numberValue", "3"), True),
    ("LessThan", "Number", 3, lit("numberValue", "3"), False),
    ("LessThanOrEqualTo", "Date", "2024-02-01", lit("dateValue", "2024-02-01"), True),
    ("StartsWith", "String", "Acme Corp", lit("stringValue", "Acme"), True),
    ("StartsWith", "String", "Acme Corp", lit("stringValue", "Corp"), False),
    ("EndsWith", "String", "Acme Corp", lit("stringValue", "Corp"), True),
    ("Contains", "String", "Acme Corp", lit("stringValue", "e C"), True),
    ("In", "String", "a", ref("arg"), True),
    ("In", "String", "z", ref("arg"), False),
    ("NotIn", "String", "a", ref("arg"), False),
    ("IsNull", "String", None, lit("booleanValue", "true"), True),
    ("IsNull", "Number", 0, lit("booleanValue", "true"), False),
    ("IsBlank", "String", "", lit("booleanValue", "true"), True),
    ("IsBlank", "String", "x", lit("booleanValue", "false"), True),
    ("IsEmpty", "String", "", lit("booleanValue", "true"), True),
    ("IsChanged", "String", "x", lit("booleanValue", "true"), False),
    ("WasSelected", "String", "x", lit("booleanValue", "true"), False),
    ("WasSet", "String", "x", lit("booleanValue", "true"), False),
]


@pytest.mark.parametrize(("row", "left_type", "left", "right", "expected"), CONDITION_CASES)
def test_condition_operator_row(
    engine: FlowEngine, row: str, left_type: str, left: Any, right: str, expected: bool
) -> None:
    flow = build(
        var("left", left_type, inp=True),
        var("arg", "String", inp=True, many=True),
        var("result", "Boolean", out=True, default=lit("booleanValue", "false")),
        decision("Check", [cond("left", row, right)], "Yes", None),
        assign("Yes", [("result", "Assign", lit("booleanValue", "true"))]),
        start="Check",
    )
    assert outputs_of(engine.run(flow, {"left": left, "arg": ["a", "b"]})) == {"result": expected}


def test_was_visited_row(engine: FlowEngine) -> None:
    """WasVisited: true for an element that has run in this interview, false for one that has not."""
    flow = build(
        var("ran", "Boolean", out=True, default=lit("booleanValue", "false")),
        var("skipped", "Boolean", out=True, default=lit("booleanValue", "false")),
        assign("First", [], then="Ran"),
        decision("Ran", [cond("First", "WasVisited", lit("booleanValue", "true"))], "Mark_Ran", "Skip"),
        assign("Mark_Ran", [("ran", "Assign", lit("booleanValue", "true"))], then="Skip"),
        decision("Skip", [cond("Never", "WasVisited", lit("booleanValue", "true"))], "Mark_Skipped", None),
        assign("Mark_Skipped", [("skipped", "Assign", lit("booleanValue", "true"))]),
        assign("Never", []),
        start="First",
    )
    assert outputs_of(engine.run(flow, {})) == {"ran": True, "skipped": False}


# ---- globals ---------------------------------------------------------------------------------------------------

# (row as the doc names it, reference read, data type, expected output)
GLOBAL_CASES: list[tuple[str, str, str, Any]] = [
    ("$Flow.CurrentDate", "$Flow.CurrentDate", "Date", "2024-02-29"),
    ("$Flow.CurrentDateTime", "$Flow.CurrentDateTime", "DateTime", "2024-02-29T23:45:00.000Z"),
    ("$Flow.InterviewStartTime", "$Flow.InterviewStartTime", "DateTime", "2024-02-29T23:45:00.000Z"),
    ("$Flow.FaultMessage", "$Flow.FaultMessage", "String", None),
    ("$Flow.CurrentRecord", "$Flow.CurrentRecord", "String", "001000000000001AAA"),
    ("$Flow.CurrentStage", "$Flow.CurrentStage", "String", None),
    ("$Record", "$Record.Name", "String", "Acme"),
    ("$Record__Prior", "$Record__Prior.Name", "String", None),
    ("$User", "$User.Username", "String", "someone@example.com"),
    ("$Organization", "$Organization.Name", "String", "Embedded Org"),
    ("$Label", "$Label.No_Such_Label", "String", "No_Such_Label"),
    ("$Permission", "$Permission.Not_Granted", "Boolean", False),
    ("$Api.Enterprise_Server_URL_*", "$Api.Enterprise_Server_URL_590", "String", "c/59.0/"),
    ("$Api.Partner_Server_URL_*", "$Api.Partner_Server_URL_610", "String", "u/61.0/"),
    ("$Api.Session_ID", "$Api.Session_ID", "String", "SESSION_ID_REMOVED"),
    ("$GlobalConstant.True", "$GlobalConstant.True", "Boolean", True),
    ("$GlobalConstant.False", "$GlobalConstant.False", "Boolean", False),
    ("$GlobalConstant.EmptyString", "$GlobalConstant.EmptyString", "String", ""),
    ("$System.OriginDateTime", "$System.OriginDateTime", "DateTime", "1900-01-01T00:00:00.000Z"),
    ("$Profile", "$Profile.Name", "String", "System Administrator"),
]
# Rows with their own tests elsewhere (they need org configuration or a whole interview).
GLOBAL_ROWS_TESTED_ELSEWHERE = {
    "$Flow.InterviewGuid": "test_engine_io.py::test_globals",
    "$Flow.ActiveStages": "test_engine_globals.py::test_stages_start_active_and_assignments_move_them",
    "$Setup": "test_engine_globals.py::test_setup_reads_the_users_then_profiles_then_org_default_custom_setting",
    "$UserRole": "test_engine_globals.py::test_user_role_is_the_running_users_role_record",
    "$CustomMetadata": "test_engine_globals.py::test_custom_metadata_records_come_from_the_projects_files",
}


@pytest.mark.parametrize(("row", "reference", "data_type", "expected"), GLOBAL_CASES)
def test_global_row(engine: FlowEngine, row: str, reference: str, data_type: str, expected: Any) -> None:
    flow = build(var("out", data_type, out=True), assign("Read", [("out", "Assign", ref(reference))]), start="Read")
    record = {"attributes": {"type": "Account"}, "Id": "001000000000001AAA", "Name": "Acme"}
    user = {"Id": "005000000000001AAA", "Username": "someone@example.com"}
    value = outputs_of(engine.run(flow, {}, record=record, user=user))["out"]
    if row.startswith("$Api.") and row.endswith("_*"):
        assert value.startswith("http://127.0.0.1:9999/services/Soap/") and expected in value
    else:
        assert value == expected


def test_active_stages_is_empty(engine: FlowEngine) -> None:
    flow = build(
        var("stages", "String", out=True, many=True),
        assign("Read", [("stages", "Assign", ref("$Flow.ActiveStages"))]),
        start="Read",
    )
    assert outputs_of(engine.run(flow, {})) == {"stages": []}


def test_fault_message_holds_the_fault(engine: FlowEngine) -> None:
    """$Flow.FaultMessage: the message of the fault that sent the interview down a fault connector."""
    flow = build(
        var("items", "String", many=True),
        var("message", "String", out=True),
        "<assignments><name>Boom</name><label>Boom</label><assignmentItems><assignToReference>items"
        "</assignToReference><operator>RemovePosition</operator><value><numberValue>3</numberValue></value>"
        "</assignmentItems><faultConnector><targetReference>Caught</targetReference></faultConnector></assignments>",
        assign("Caught", [("message", "Assign", ref("$Flow.FaultMessage"))]),
        start="Boom",
    )
    assert "outside the collection" in str(outputs_of(engine.run(flow, {}))["message"])


# ---- elements: each supported row names the test that runs it ----------------------------------------------------

ELEMENT_TESTS = {
    "assignments": "test_engine_table.py::test_assignment_operator_row",
    "decisions": "test_engine_values.py::test_condition_logic",
    "loops": "test_engine_loops.py::test_iteration_order_with_the_automatic_loop_variable",
    "collectionProcessors": "test_engine_collections.py::test_sort_collection_processor",
    "transforms": "test_engine_transforms.py::test_a_transform_maps_values_onto_one_record",
    "recordLookups": "test_engine_records.py::test_lookup_filters_sort_limit_and_fields",
    "recordCreates": "test_engine_records.py::test_create_update_delete_by_reference_and_filter",
    "recordUpdates": "test_engine_records.py::test_create_update_delete_by_reference_and_filter",
    "recordDeletes": "test_engine_records.py::test_create_update_delete_by_reference_and_filter",
    "subflows": "test_engine_control.py::test_subflow_inputs_outputs_and_stored_outputs",
    "actionCalls": "test_engine_calls.py::test_registered_action_stub",
    "apexPluginCalls": "test_engine_calls.py::test_apex_plugin_call_runs_the_stub_registered_for_its_class",
    "customErrors": "test_engine_control.py::test_custom_error",
    "waits": "test_engine_control.py::test_screens_and_waits_pause",
    "screens": "test_engine_control.py::test_screens_and_waits_pause",
    "recordRollbacks": "test_engine_transactions.py::test_roll_back_records_cancels_the_pending_changes_and_goes_on",
}


def _test_exists(where: str) -> bool:
    module, name = where.split("::")
    text = (REPO / "tests" / "localorg" / module).read_text(encoding="utf-8")
    return re.search(rf"^def {re.escape(name)}\(", text, re.MULTILINE) is not None


def _supported(heading: str) -> set[str]:
    return {name for name, status in table(heading).items() if status == "supported"}


def _supported_globals() -> set[str]:
    # The doc writes `$GlobalConstant.True`, `.False`: a name starting with "." continues the one before it.
    names: set[str] = set()
    head = ""
    for name, status in table("Global variables").items():  # in the doc's order
        full = head + name if name.startswith(".") else name
        head = full.split(".", 1)[0]
        if status == "supported":
            names.add(full)
    return names


def test_every_supported_element_row_names_an_existing_test() -> None:
    rows = _supported("Elements") - {"any other element"}
    assert rows == set(ELEMENT_TESTS)
    assert [where for where in ELEMENT_TESTS.values() if not _test_exists(where)] == []


def test_every_supported_operator_and_global_row_has_a_case() -> None:
    assert _supported("Assignment operators") == {case[0] for case in ASSIGNMENT_CASES}
    assert _supported("Condition operators") == {case[0] for case in CONDITION_CASES} | {"WasVisited"}
    assert _supported_globals() == {case[0] for case in GLOBAL_CASES} | set(GLOBAL_ROWS_TESTED_ELSEWHERE)
    assert [where for where in GLOBAL_ROWS_TESTED_ELSEWHERE.values() if not _test_exists(where)] == []
