"""The flow scanner's example flows in tests/data/flows-corpus (Lightning-Flow-Scanner, see SOURCES.md), run on the
engine to outputs computed by reading each flow; the comment by each expectation says why.

Semantics followed: Metadata API Flow type (elements, loops with `assignNextValueToReference`, record elements,
transforms, waits; https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_visual_workflow.htm),
Salesforce Help "Flow Element: Update Records" (a record variable plus field values updates only those fields) and
"Flow Trigger Types" (a before-save flow's updates to $Record are saved with the record, no DML of its own).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from salesforce_flow_mcp.localorg.flows.engine.actions import ActionError, ActionRegistry
from salesforce_flow_mcp.localorg.flows.engine.batch import run_batch
from salesforce_flow_mcp.localorg.flows.engine.flow_engine import FlowEngine, InterviewOutcome
from salesforce_flow_mcp.localorg.flows.model import Flow
from salesforce_flow_mcp.localorg.store.records import RecordStore
from tests.localorg.flow_builders import finished

# ---- screen flows: the interview waits at its first screen for a person -------------------------------------------

SCREEN_FIRST = {
    "Copy_API_Name": "mockscreen",
    "Copy_API_Name_Fixed": "mockscreen",
    "Duplicate_DML_Operation": "mock_screen_1",
    "Duplicate_DML_Operation_Fixed": "mock_screen_1",
    "HardcodedUrl": "Flow_hardoced_url",
    "Outdated_API_Version": "mockscreen",
    "Outdated_API_Version_Fixed": "mockscreen",
    "Unsafe_Running_Context": "testtest",
    "Unused_Variable": "mock_screen",
    "Unused_Variable_Fixed": "mock_screen",
    "Get_All_Elements_Flow": "Find_Contact",
    "Get_All_Elements_Flow_ALL_FIELDS": "Find_Contact",
    "Get_All_Elements_Flow_FieldVarRecord": "Find_Contact",
    "Get_All_Elements_Flow_IndividualVar": "Find_Contact",
    "Get_All_Elements_Flow_Salesforce_Do_The_rest": "Find_Contact",
    "TestFlowAllElements": "Screen1",
    "DemoFlow_Clone_Collection": "Initial_Screen",
    "DemoFlow_Map_Collection": "Initial_Screen",
}


@pytest.mark.parametrize(("name", "screen"), sorted(SCREEN_FIRST.items()))
def test_screen_flows_pause_at_their_first_screen(
    corpus: dict[str, Flow], run: Callable[..., InterviewOutcome], name: str, screen: str
) -> None:
    """Each starts at a screen (`<start>` connects to it): Paused there, nothing run before it."""
    assert corpus[name].process_type == "Flow"
    outcome = run(name)
    assert (outcome.status, outcome.current_element, outcome.elements_executed) == ("Paused", screen, 1)


# ---- the flow scanner's example flows ------------------------------------------------------------------------------


def test_dml_in_a_loop_saves_nothing_when_its_record_variable_is_empty(
    run: Callable[..., InterviewOutcome], store: RecordStore
) -> None:
    # createNewCase inside the loop saves the record variable createCase, which nothing ever sets: each pass saves
    # no record; the loop visits both accounts and the input collection comes back unchanged.
    accounts = [{"attributes": {"type": "Account"}, "Name": n} for n in ("A", "B")]
    outcome = finished(run("DML_Statement_In_A_Loop", {"Accounts": accounts}))
    assert outcome.outputs == {"Accounts": accounts}
    assert outcome.elements_executed == 5  # loop, create, loop, create, loop
    assert store.rows("Case") == []


def test_dml_in_a_loop_fixed_creates_one_case_per_account_in_one_statement(
    corpus: dict[str, Flow], engine: FlowEngine, store: RecordStore
) -> None:
    # For each account the loop fills newCase (AccountId, OwnerId) and adds a copy to newCases; insert_cases saves
    # them all after the loop: 200 accounts give 200 cases in one DML statement, well inside the limits.
    ids = [store.insert("Account", {"Name": f"Acme {i}"}) for i in range(200)]
    accounts = [{"attributes": {"type": "Account"}, "Id": i, "OwnerId": store.admin_user_id} for i in ids]
    [outcome] = run_batch(engine, corpus["DML_Statement_In_A_Loop_Fixed"], [{"Accounts": accounts}])
    finished(outcome)
    cases = store.rows("Case")
    assert [c["AccountId"] for c in cases] == ids
    assert {c["OwnerId"] for c in cases} == {store.admin_user_id}


@pytest.mark.parametrize("name", ["FlowNamingConvention", "Flow_Naming_Convention_Fixed"])
def test_naming_convention_flows_only_decide(run: Callable[..., InterviewOutcome], name: str) -> None:
    # One decision whose only outcome has no connector: start -> decision -> end, whatever the input.
    assert finished(run(name, {"Accounts": [{"Name": "A"}]})).elements_executed == 1
    assert finished(run(name)).elements_executed == 1


def test_hardcoded_id_creates_the_account_with_the_literal_owner(
    run: Callable[..., InterviewOutcome], store: RecordStore
) -> None:
    # create_Test_Account: Name "Test Account", OwnerId the hard-coded 005Dn000006GuG4IAK (the rule's point).
    finished(run("Hardcoded_Id"))
    [account] = store.rows("Account")
    assert (account["Name"], account["OwnerId"]) == ("Test Account", "005Dn000006GuG4IAK")


def test_hardcoded_id_fixed_looks_the_owner_up(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    # getUserId copies the OwnerId of the account named Acme into UserId.Id; only if found is the account created,
    # owned by that user. Without an Acme account the decision's only outcome fails and nothing is created.
    assert finished(run("Hardcoded_Id_Fixed")).elements_executed == 2
    assert store.rows("Account") == []
    store.insert("Account", {"Name": "Acme", "OwnerId": "005000000000042AAA"})
    finished(run("Hardcoded_Id_Fixed"))
    created = [a for a in store.rows("Account") if a["Name"] == "Test Account"]
    assert [a["OwnerId"] for a in created] == ["005000000000042AAA"]


@pytest.mark.parametrize("name", ["Missing_Flow_Description", "Missing_Flow_Description_Fixed"])
def test_missing_description_flows_assign_once(run: Callable[..., InterviewOutcome], name: str) -> None:
    assert finished(run(name)).elements_executed == 1  # do_Anything, then the end


def test_missing_null_handler_renames_the_found_account_in_memory(
    run: Callable[..., InterviewOutcome], store: RecordStore
) -> None:
    # GetAnAccount (Name = Acme) then an assignment to GetAnAccount.Name; nothing saves it, so the store keeps Acme.
    # Without an Acme account the assignment creates the missing record in memory (the null the rule warns about).
    store.insert("Account", {"Name": "Acme"})
    assert finished(run("Missing_Null_Handler")).elements_executed == 2
    assert [a["Name"] for a in store.rows("Account")] == ["Acme"]


def test_missing_null_handler_fixed_takes_the_review_path_when_nothing_is_found(
    run: Callable[..., InterviewOutcome], store: RecordStore, actions: ActionRegistry
) -> None:
    # No Acme: ifNotNull goes to review_error (a quick action), then Assign_New_Account_Name. With Acme the decision
    # goes straight to the assignment.
    calls: list[dict[str, Any]] = []
    actions.register("quickAction:FeedItem.NewTaskFromFeedItem", lambda i: calls.append(i) or {})
    assert finished(run("Missing_Null_Handler_Fixed")).elements_executed == 4
    assert calls == [{"contextId": store.admin_user_id}]
    store.insert("Account", {"Name": "Acme"})
    assert finished(run("Missing_Null_Handler_Fixed")).elements_executed == 3
    assert len(calls) == 1


def test_cyclomatic_complexity_without_a_record_takes_the_default_outcome(
    run: Callable[..., InterviewOutcome], actions: ActionRegistry
) -> None:
    # $Flow.CurrentRecord is null outside a record page: no outcome's Contains holds, so the default assignvalue12
    # runs, then the quick action with a null contextId.
    calls: list[dict[str, Any]] = []
    actions.register("quickAction:FeedItem.NewTaskFromFeedItem", lambda i: calls.append(i) or {})
    assert finished(run("Cyclomatic_Complexity")).elements_executed == 3
    assert calls == [{"contextId": None}]


def test_quick_actions_need_a_stub_and_the_fixed_flow_has_a_fault_path(
    run: Callable[..., InterviewOutcome], actions: ActionRegistry
) -> None:
    # Missing_Error_Handler calls LogACall with no fault path: a failing action ends the interview in Error. The
    # fixed flow routes the same failure to dosomethingelse (NewTask).
    def fail(inputs: dict[str, Any]) -> dict[str, Any]:

        raise ActionError("no call to log")

    actions.register("quickAction:LogACall", fail)
    actions.register("quickAction:NewTask", lambda i: {})
    outcome = run("Missing_Error_Handler")
    assert (outcome.status, outcome.current_element) == ("Error", "log_call")
    assert "no call to log" in str(outcome.error_message)
    assert finished(run("Missing_Error_Handler_Fixed")).elements_executed == 2


def _loop_over_accounts(
    flow: Flow, engine: FlowEngine, store: RecordStore, count: int
) -> tuple[list[dict[str, Any]], InterviewOutcome]:
    """The scanner's SOQL-in-a-loop flows over `count` new accounts, with an Industry "None" account in the org."""
    store.insert("Account", {"Name": "Unclassified", "Industry": "None"})
    accounts = [{"attributes": {"type": "Account"}, "Name": f"A{i}"} for i in range(count)]
    [outcome] = run_batch(engine, flow, [{"Accounts": accounts}])
    return accounts, outcome


def test_soql_query_in_a_loop_fixed_queries_once_after_the_loop(
    corpus: dict[str, Flow], engine: FlowEngine, store: RecordStore
) -> None:
    # The loop has no body (no nextValueConnector): after it, one Get Records finds the Industry "None" account and
    # the decision ends the flow. 500 accounts in: one query, where the unfixed flow would need 500.
    accounts, outcome = _loop_over_accounts(corpus["SOQL_Query_In_A_Loop_Fixed"], engine, store, 500)
    assert finished(outcome).outputs == {"Accounts": accounts}


def test_soql_query_in_a_loop_reaches_the_soql_limit(
    corpus: dict[str, Flow], engine: FlowEngine, store: RecordStore
) -> None:
    # The unfixed flow queries once per account: 101 accounts need 101 queries, one more than Salesforce allows
    # (Per-Transaction Flow Limits), so the transaction fails there whatever the fault path says. (The Industry
    # "None" account makes each lookup find a record, so the decision loops back instead of calling NewCase.)
    _accounts, outcome = _loop_over_accounts(corpus["SOQL_Query_In_A_Loop"], engine, store, 101)
    assert (outcome.error_code, outcome.error_message) == ("LIMIT_EXCEEDED", "Too many SOQL queries: 101")


def test_unconnected_element_flows_set_the_time_once(run: Callable[..., InterviewOutcome]) -> None:
    # getCurrentTime runs; unused_assignment is connected to nothing and never runs.
    for name in ("Unconnected_Element", "Unconnected_Element_Fixed"):
        assert finished(run(name)).elements_executed == 1


@pytest.mark.parametrize("name", ["Unsafe_Running_Context_Default", "Unsafe_Running_Context_WithSharing"])
def test_running_context_flows_create_a_contact(
    run: Callable[..., InterviewOutcome], store: RecordStore, name: str
) -> None:
    finished(run(name))
    assert [c["LastName"] for c in store.rows("Contact")] == ["123"]


def test_make_recursive_updates_the_account_the_case_and_its_siblings(
    run: Callable[..., InterviewOutcome], store: RecordStore
) -> None:
    # After save of a Case with an AccountId: Recursive_Update sets the account's Description to RandomString
    # (TEXT(NOW()) = "2024-05-01 12:34:56Z"), Yeah_dummy sets the case's Subject to it, then the account's cases are
    # read and saved again as they are.
    account = store.insert("Account", {"Name": "Acme"})
    case = store.insert("Case", {"Subject": "Old", "AccountId": account})
    sibling = store.insert("Case", {"Subject": "Sibling", "AccountId": account})
    outcome = finished(run("Make_Recursive", record={"Id": case, "AccountId": account, "Subject": "Old"}))
    assert outcome.elements_executed == 5
    assert store.get("Account", account)["Description"] == "2024-05-01 12:34:56Z"  # type: ignore[index]
    assert store.get("Case", case)["Subject"] == "2024-05-01 12:34:56Z"  # type: ignore[index]
    assert store.get("Case", sibling)["Subject"] == "Sibling"  # type: ignore[index]


def test_ocr_flow_transforms_the_opportunity_into_a_contact_role(
    run: Callable[..., InterviewOutcome], store: RecordStore
) -> None:
    # OCR_Mapping (a Transform) maps $Record.Id and $Record.ContactId with the role "Decision Maker"; OCR saves it.
    finished(run("OCR_Flow", record={"Id": "0065g000000OPPAAA", "ContactId": "0035g000000CONAAA"}))
    [role] = store.rows("OpportunityContactRole")
    assert (role["OpportunityId"], role["ContactId"], role["Role"]) == (
        "0065g000000OPPAAA",
        "0035g000000CONAAA",
        "Decision Maker",
    )


def test_same_record_field_updates_sets_the_field_before_save(
    run: Callable[..., InterviewOutcome], store: RecordStore
) -> None:
    # Before save: updating $Record sets Active__c = "Yes" on the record being saved; the flow saves nothing itself.
    outcome = finished(run("Same_Record_Field_Updates", record={"Name": "Acme"}))
    assert outcome.record is not None and outcome.record["Active__c"] == "Yes"
    assert store.rows("Account") == []


def test_unconnected_element_async_runs_its_scheduled_path(
    run: Callable[..., InterviewOutcome], store: RecordStore
) -> None:
    # The start has only an AsyncAfterCommit scheduled path: Get_Standard_User copies the profile's Id into
    # ProfileId; the decision tests {!Get_Standard_User}, which stores nothing (outputAssignments are used), so
    # "IsNull false" fails and the flow ends without updating the user.
    store.insert("Profile", {"Name": "Standard User"})
    outcome = finished(run("Unconnected_Element_Async", record={"Id": store.admin_user_id, "IsActive": False}))
    assert outcome.elements_executed == 2
