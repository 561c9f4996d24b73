"""One transaction per request, with Salesforce's governor limits, bulkification and partial save.

Sources (each test says which it follows):
- Salesforce Help, "Per-Transaction Flow Limits"
  (https://help.salesforce.com/apex/HTViewHelpDoc?id=platform.flow_considerations_limit_transaction.htm): 100 SOQL
  queries (Get Records, and Update/Delete Records with filters), 50,000 records retrieved, 150 DML statements
  (Create/Update/Delete Records), 10,000 records processed, 10,000 ms CPU; "If an element causes the transaction to
  exceed governor limits, the system rolls back the entire transaction. The transaction rolls back even if the
  element has a defined fault connector path." Messages as Apex's LimitException gives them
  (Apex Developer Guide, Execution Governors and Limits): "Too many SOQL queries: 101".
- Salesforce Help, "Flow Bulkification in Transactions"
  (https://help.salesforce.com/apex/HTViewHelpDoc?id=platform.flow_concepts_bulkification.htm): interviews that stop
  at the same element run it together; a Get Records inside a loop runs once per iteration.
- Metadata API, InvocableActionSettings.isPartialSaveAllowed
  (https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_invocableactionsettings.htm).
"""

from __future__ import annotations

from typing import Any

import pytest

from salesforce_flow_mcp.localorg.flows.engine.actions import ActionError, ActionRegistry
from salesforce_flow_mcp.localorg.flows.engine.batch import ROLLED_BACK_CODE, run_batch
from salesforce_flow_mcp.localorg.flows.engine.flow_engine import FlowEngine
from salesforce_flow_mcp.localorg.flows.engine.governor import GovernorLimits, LimitExceeded, Transaction
from salesforce_flow_mcp.localorg.flows.model import Flow
from salesforce_flow_mcp.localorg.store.records import RecordStore
from tests.localorg.flow_builders import assign, build, cond, connector, decision, lit, ref, var


def lookup_in_loop(*, fault: bool = False) -> Flow:
    """For each name, Get Records of Account by Name (the scanner corpus's "SOQL Query In A Loop" pattern)."""
    fault_xml = connector("Note_Fault", "faultConnector") if fault else ""
    return build(
        var("names", "String", inp=True, many=True),
        var("found", "Number", out=True, scale=0, default=lit("numberValue", "0")),
        var("faulted", "Boolean", out=True),
        "<loops><name>Each</name><label>Each</label><collectionReference>names</collectionReference>"
        f"{connector('Find', 'nextValueConnector')}</loops>",
        "<recordLookups><name>Find</name><label>Find</label><object>Account</object>"
        "<filters><field>Name</field><operator>EqualTo</operator><value><elementReference>Each</elementReference>"
        f"</value></filters><getFirstRecordOnly>true</getFirstRecordOnly><storeOutputAutomatically>true"
        f"</storeOutputAutomatically>{connector('Count')}{fault_xml}</recordLookups>",
        assign("Count", [("found", "Add", lit("numberValue", "1"))], then="Each"),
        assign("Note_Fault", [("faulted", "Assign", lit("booleanValue", "true"))]),
        start="Each",
    )


def create_account(*, name_from: str = "accountName", then: str | None = None) -> str:
    return (
        "<recordCreates><name>Make</name><label>Make</label><object>Account</object><inputAssignments><field>Name"
        f"</field><value>{ref(name_from)}</value></inputAssignments>{connector(then)}</recordCreates>"
    )


def find_parent_then_make(name: str = "Test_Flow") -> Flow:
    """Get Records of the Account named Parent (its Id in the output parentId), then Create Records of an Account
    named by the input accountName."""
    return build(
        var("accountName", "String", inp=True),
        var("parentId", "String", out=True),
        "<recordLookups><name>Find_Parent</name><label>Find Parent</label><object>Account</object><filters><field>"
        "Name</field><operator>EqualTo</operator><value><stringValue>Parent</stringValue></value></filters>"
        "<getFirstRecordOnly>true</getFirstRecordOnly><outputAssignments><assignToReference>parentId"
        f"</assignToReference><field>Id</field></outputAssignments>{connector('Make')}</recordLookups>",
        create_account(),
        start="Find_Parent",
        name=name,
    )


def make_account_flow() -> Flow:
    return build(var("accountName", "String", inp=True), create_account(), start="Make", name="Make_Account")


def test_a_get_records_in_a_loop_over_200_names_fails_at_the_101st_query(
    engine: FlowEngine, store: RecordStore
) -> None:
    """Per-Transaction Flow Limits: 100 SOQL queries. Iteration 101 issues query 101: "Too many SOQL queries: 101",
    LIMIT_EXCEEDED, at the Get Records element; the 100 that ran counted."""
    store.insert("Account", {"Name": "n0"})
    outcome = engine.run(lookup_in_loop(), {"names": [f"n{i}" for i in range(200)]})
    assert (outcome.status, outcome.error_code, outcome.error_message) == (
        "Error",
        "LIMIT_EXCEEDED",
        "Too many SOQL queries: 101",
    )
    assert outcome.current_element == "Find"
    assert outcome.outputs["found"] == 100  # Count ran after each of the 100 queries that were allowed
    # 100 names stay inside the limit.
    assert engine.run(lookup_in_loop(), {"names": [f"n{i}" for i in range(100)]}).outputs["found"] == 100


def test_a_limit_is_not_caught_by_a_fault_connector(engine: FlowEngine) -> None:
    """ "The transaction rolls back even if the element has a defined fault connector path" (Per-Transaction Flow
    Limits): the fault path never runs."""
    outcome = engine.run(lookup_in_loop(fault=True), {"names": ["x"] * 150})
    assert outcome.error_code == "LIMIT_EXCEEDED"
    assert outcome.outputs["faulted"] is None


def test_dml_statements_in_a_loop_fail_at_151_and_everything_is_rolled_back(
    engine: FlowEngine, store: RecordStore
) -> None:
    """150 DML statements per transaction; a Create Records in a loop is one statement per iteration (Flow
    Bulkification in Transactions). The 150 accounts created before the 151st statement are rolled back."""
    flow = build(
        var("names", "String", inp=True, many=True),
        "<loops><name>Each</name><label>Each</label><collectionReference>names</collectionReference>"
        f"{connector('Make', 'nextValueConnector')}</loops>",
        create_account(name_from="Each", then="Each"),
        start="Each",
    )
    outcome = engine.run(flow, {"names": [f"A{i}" for i in range(151)]})
    assert (outcome.error_code, outcome.error_message) == ("LIMIT_EXCEEDED", "Too many DML statements: 151")
    assert store.rows("Account") == []
    assert engine.run(flow, {"names": [f"A{i}" for i in range(150)]}).status == "Finished"
    assert len(store.rows("Account")) == 150


def test_dml_rows_count_every_record_of_a_statement() -> None:
    """10,000 records processed by DML per transaction; one Create Records of a collection is one statement whose
    records all count (Apex Developer Guide, How DML Works: "All rows processed by all DML calls in the same
    transaction count incrementally toward this limit")."""
    tx = Transaction()
    tx.dml(("F", "Create_All"), 9_999)
    tx.dml(("F", "Create_One"), 1)
    assert (tx.dml_statements, tx.dml_rows) == (2, 10_000)
    with pytest.raises(LimitExceeded, match=r"^Too many DML rows: 10001$"):
        tx.dml(("F", "Create_One"), 1)
    with pytest.raises(LimitExceeded, match=r"^Too many query rows: 50001$"):
        Transaction().query(("F", "Get"), 50_001)


def test_a_create_of_a_collection_over_the_row_limit_fails(store: RecordStore) -> None:
    """The same rule through a flow, with the row limit lowered so the test stays small: a Create Records of 6
    records with 5 allowed fails and saves none."""
    engine = FlowEngine(store, lambda name: None, limits=GovernorLimits(dml_rows=5))
    flow = build(
        var("accounts", "SObject", inp=True, many=True, obj="Account"),
        "<recordCreates><name>Make_All</name><label>Make All</label><inputReference>accounts</inputReference>"
        "</recordCreates>",
        start="Make_All",
    )
    accounts = [{"attributes": {"type": "Account"}, "Name": f"A{i}"} for i in range(6)]
    outcome = engine.run(flow, {"accounts": accounts})
    assert (outcome.error_code, outcome.error_message) == ("LIMIT_EXCEEDED", "Too many DML rows: 6")
    assert store.rows("Account") == []
    assert engine.run(flow, {"accounts": accounts[:5]}).status == "Finished"


def test_200_inputs_that_each_query_once_share_one_bulkified_query(engine: FlowEngine, store: RecordStore) -> None:
    """Flow Bulkification in Transactions: 200 interviews that stop at the same Get Records run it as one query,
    so 200 inputs of one invoke stay under 100 queries; 200 Create Records become one DML statement."""
    store.insert("Account", {"Name": "Parent"})
    flow = find_parent_then_make()
    outcomes = run_batch(engine, flow, [{"accountName": f"Child {i}"} for i in range(200)])
    assert {o.status for o in outcomes} == {"Finished"}
    assert len(store.rows("Account")) == 201


def test_inputs_of_one_invoke_share_the_limits(engine: FlowEngine, store: RecordStore) -> None:
    """All inputs of one invoke run in one transaction (InvocableActionSettings: "other invocable actions in the same
    transaction"): two inputs whose loops query at different elements, 60 and 50 times, need 110 queries together.
    Each alone passes; together every interview of the transaction fails and nothing is saved."""
    flow = build(
        var("side", "String", inp=True),
        var("names", "String", inp=True, many=True),
        decision("Which", [cond("side", "EqualTo", lit("stringValue", "A"))], "Loop_A", "Loop_B"),
        "<loops><name>Loop_A</name><label>A</label><collectionReference>names</collectionReference>"
        f"{connector('Get_A', 'nextValueConnector')}{connector('Make', 'noMoreValuesConnector')}</loops>",
        "<recordLookups><name>Get_A</name><label>Get A</label><object>Account</object>"
        f"<storeOutputAutomatically>true</storeOutputAutomatically>{connector('Loop_A')}</recordLookups>",
        "<loops><name>Loop_B</name><label>B</label><collectionReference>names</collectionReference>"
        f"{connector('Get_B', 'nextValueConnector')}{connector('Make', 'noMoreValuesConnector')}</loops>",
        "<recordLookups><name>Get_B</name><label>Get B</label><object>Account</object>"
        f"<storeOutputAutomatically>true</storeOutputAutomatically>{connector('Loop_B')}</recordLookups>",
        create_account(name_from="side"),
        start="Which",
    )
    a, b = {"side": "A", "names": ["x"] * 60}, {"side": "B", "names": ["x"] * 50}
    assert [o.status for o in run_batch(engine, flow, [a])] == ["Finished"]
    assert [o.status for o in run_batch(engine, flow, [b])] == ["Finished"]
    assert len(store.rows("Account")) == 2
    together = run_batch(engine, flow, [a, b])
    assert [(o.status, o.error_code, o.error_message) for o in together] == [
        ("Error", "LIMIT_EXCEEDED", "Too many SOQL queries: 101")
    ] * 2
    assert len(store.rows("Account")) == 2  # nothing of the failed transaction was kept


def test_a_failed_input_rolls_back_the_others_when_partial_save_is_off(engine: FlowEngine, store: RecordStore) -> None:
    """isPartialSaveAllowed = false: "if one invocable action fails, Salesforce rolls back other invocable actions in
    the same transaction and the entire transaction fails". The inputs that ran say they were rolled back
    (ALL_OR_NONE_OPERATION_ROLLED_BACK, Salesforce's status code for work undone with a failed all-or-none
    operation); the failed one keeps its own error."""
    outcomes = run_batch(engine, make_account_flow(), [{"accountName": "Acme"}, {"accountName": ""}])
    assert [o.error_code for o in outcomes] == [ROLLED_BACK_CODE, "UNKNOWN_EXCEPTION"]
    assert "isPartialSaveAllowed is false" in str(outcomes[0].error_message)
    assert "REQUIRED_FIELD_MISSING" in str(outcomes[1].error_message)
    assert store.rows("Account") == []


def test_partial_save_keeps_the_successful_inputs_and_runs_them_again(
    engine: FlowEngine, store: RecordStore, actions: ActionRegistry
) -> None:
    """isPartialSaveAllowed = true: "Salesforce tries three times to execute invocable actions that run successfully
    and rolls back only the invocable actions that fail". The embedded org rolls the first run back and runs the two
    good inputs again, so their action runs twice (3 calls, then 2) and each account is saved once."""
    calls: list[str] = []

    def notify(inputs: dict[str, Any]) -> dict[str, Any]:
        calls.append(inputs["who"])
        if inputs["who"] == "bad":
            raise ActionError("no such recipient")
        return {}

    actions.register("apex:Notify", notify)
    flow = build(
        var("accountName", "String", inp=True),
        create_account(then="Tell"),
        "<actionCalls><name>Tell</name><label>Tell</label><actionName>Notify</actionName><actionType>apex"
        f"</actionType><inputParameters><name>who</name><value>{ref('accountName')}</value></inputParameters>"
        "</actionCalls>",
        start="Make",
    )
    inputs = [{"accountName": "Acme"}, {"accountName": "bad"}, {"accountName": "Globex"}]
    outcomes = run_batch(engine, flow, inputs, partial_save=True)
    assert [o.status for o in outcomes] == ["Finished", "Error", "Finished"]
    assert "no such recipient" in str(outcomes[1].error_message)
    assert calls == ["Acme", "bad", "Globex", "Acme", "Globex"]
    assert [a["Name"] for a in store.rows("Account")] == ["Acme", "Globex"]


def test_a_limit_fails_every_input_even_with_partial_save(engine: FlowEngine, store: RecordStore) -> None:
    """Flow Bulkification in Transactions: "If, despite the bulkification, any interview hits a governor limit, all
    the interviews in the transaction fail ... and the transaction doesn't try to perform the operations again"."""
    flow = build(
        var("names", "String", inp=True, many=True),
        create_account(name_from="first", then="Each"),
        var("first", "String", default=lit("stringValue", "Kept?")),
        "<loops><name>Each</name><label>Each</label><collectionReference>names</collectionReference>"
        f"{connector('Find', 'nextValueConnector')}</loops>",
        "<recordLookups><name>Find</name><label>Find</label><object>Account</object>"
        f"<storeOutputAutomatically>true</storeOutputAutomatically>{connector('Each')}</recordLookups>",
        start="Make",
    )
    outcomes = run_batch(engine, flow, [{"names": ["x"]}, {"names": ["x"] * 101}], partial_save=True)
    assert [o.error_code for o in outcomes] == ["LIMIT_EXCEEDED", "LIMIT_EXCEEDED"]
    assert store.rows("Account") == []


def test_a_subflow_shares_its_parents_transaction(store: RecordStore) -> None:
    """Autolaunched flows "are part of the larger transaction that they were launched through and share that
    transaction's limits" (Per-Transaction Flow Limits, note 1): a subflow called 101 times that queries once each
    time reaches the SOQL limit, and the subflow's fault connector does not catch it."""
    child = build(
        var("n", "String", inp=True),
        "<recordLookups><name>Find</name><label>Find</label><object>Account</object>"
        "<storeOutputAutomatically>true</storeOutputAutomatically></recordLookups>",
        start="Find",
        name="Child",
    )
    parent = build(
        var("names", "String", inp=True, many=True),
        var("faulted", "Boolean", out=True),
        "<loops><name>Each</name><label>Each</label><collectionReference>names</collectionReference>"
        f"{connector('Call', 'nextValueConnector')}</loops>",
        "<subflows><name>Call</name><label>Call</label><flowName>Child</flowName><inputAssignments><name>n</name>"
        f"<value>{ref('Each')}</value></inputAssignments>{connector('Each')}{connector('Caught', 'faultConnector')}"
        "</subflows>",
        assign("Caught", [("faulted", "Assign", lit("booleanValue", "true"))]),
        start="Each",
    )
    engine = FlowEngine(store, {"Child": child}.get)
    outcome = engine.run(parent, {"names": ["x"] * 101})
    assert (outcome.error_code, outcome.error_message) == ("LIMIT_EXCEEDED", "Too many SOQL queries: 101")
    assert outcome.outputs["faulted"] is None


def test_subflows_of_200_inputs_are_bulkified_like_their_parents(store: RecordStore) -> None:
    """Flow Bulkification in Transactions: "When multiple interviews for the same flow run in one transaction, each
    interview runs until it reaches a bulkifiable element"; the subflow interviews of 200 inputs are interviews of
    one flow in one transaction, so its Get Records is one query and its Create Records one DML statement (the Help
    page lists "Subflow (Create Records and Update Records elements only)" among the bulk saves). Outputs come back
    to each parent."""
    store.insert("Account", {"Name": "Parent"})
    child = find_parent_then_make("Make_Child")
    parent = build(
        var("accountName", "String", inp=True),
        var("parentId", "String", out=True),
        "<subflows><name>Call</name><label>Call</label><flowName>Make_Child</flowName><inputAssignments><name>"
        f"accountName</name><value>{ref('accountName')}</value></inputAssignments><outputAssignments>"
        "<assignToReference>parentId</assignToReference><name>parentId</name></outputAssignments></subflows>",
        start="Call",
    )
    engine = FlowEngine(store, {"Make_Child": child}.get, limits=GovernorLimits(soql_queries=1, dml_statements=1))
    outcomes = run_batch(engine, parent, [{"accountName": f"Child {i}"} for i in range(200)])
    assert {o.status for o in outcomes} == {"Finished"}, outcomes[0].error_message
    parent_id = store.rows("Account")[0]["Id"]
    assert {o.outputs["parentId"] for o in outcomes} == {parent_id}
    assert len(store.rows("Account")) == 201
    # One interview alone is not bulkified with anything: the same subflow twice in a loop costs two queries.
    looping = build(
        var("names", "String", inp=True, many=True),
        "<loops><name>Each</name><label>Each</label><collectionReference>names</collectionReference>"
        f"{connector('Call', 'nextValueConnector')}</loops>",
        "<subflows><name>Call</name><label>Call</label><flowName>Make_Child</flowName><inputAssignments><name>"
        f"accountName</name><value>{ref('Each')}</value></inputAssignments>{connector('Each')}</subflows>",
        start="Each",
    )
    [outcome] = run_batch(engine, looping, [{"names": ["a", "b"]}])
    assert (outcome.error_code, outcome.error_message) == ("LIMIT_EXCEEDED", "Too many SOQL queries: 2")


def test_cpu_time_limit(store: RecordStore) -> None:
    """Maximum CPU time 10,000 ms (Per-Transaction Flow Limits); lowered to 0 ms here, a flow that runs a few dozen
    elements is stopped with Apex's message."""
    engine = FlowEngine(store, lambda name: None, limits=GovernorLimits(cpu_ms=0))
    flow = build(
        var("items", "String", inp=True, many=True),
        "<loops><name>Each</name><label>Each</label><collectionReference>items</collectionReference>"
        f"{connector('Next', 'nextValueConnector')}</loops>",
        assign("Next", [], then="Each"),
        start="Each",
    )
    outcome = engine.run(flow, {"items": ["x"] * 5000})
    assert (outcome.error_code, outcome.error_message) == ("LIMIT_EXCEEDED", "Apex CPU time limit exceeded")


def test_roll_back_records_cancels_the_pending_changes_and_goes_on(engine: FlowEngine, store: RecordStore) -> None:
    """Help, "Flow Element: Roll Back Records": it cancels all pending record changes in the current transaction and
    the flow continues. The account created before it is gone; the one created after it is saved."""
    flow = build(
        var("accountName", "String", inp=True),
        create_account(then="Undo"),
        "<recordRollbacks><name>Undo</name><label>Undo</label><connector><targetReference>Again</targetReference>"
        "</connector></recordRollbacks>",
        "<recordCreates><name>Again</name><label>Again</label><object>Account</object><inputAssignments><field>Name"
        "</field><value><stringValue>After the roll back</stringValue></value></inputAssignments></recordCreates>",
        start="Make",
    )
    assert engine.run(flow, {"accountName": "Before"}).status == "Finished"
    assert [a["Name"] for a in store.rows("Account")] == ["After the roll back"]
    # In one invoke the transaction is the request's: whatever is pending when an interview rolls back is cancelled,
    # and only the accounts created after the roll backs remain.
    store.delete("Account", store.rows("Account")[0]["Id"])
    outcomes = run_batch(engine, flow, [{"accountName": "One"}, {"accountName": "Two"}])
    assert [o.status for o in outcomes] == ["Finished", "Finished"]
    assert [a["Name"] for a in store.rows("Account")] == ["After the roll back", "After the roll back"]
