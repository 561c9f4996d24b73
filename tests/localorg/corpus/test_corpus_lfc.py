"""The LightningFlowComponents flows of tests/data/flows-corpus (alexed1, see SOURCES.md), run on the engine to
outputs computed by reading each flow; the comment by each expectation says why. Semantics as in
test_corpus_scanner.py (Metadata API Flow type, Help "Flow Element: Update Records")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from salesforce_flow_mcp.localorg.flows.engine.actions import ActionRegistry
from salesforce_flow_mcp.localorg.flows.engine.flow_engine import InterviewOutcome
from salesforce_flow_mcp.localorg.store.records import RecordStore
from tests.localorg.flow_builders import finished

# ---- LightningFlowComponents ----------------------------------------------------------------------------------------


def test_send_html_email_templates_are_created_once_through_a_manual_loop(
    run: Callable[..., InterviewOutcome], store: RecordStore
) -> None:
    # No EmailTemplate named sendHTMLEmailTest: the manual loop (assignNextValueToReference en_US_TemplateRecord)
    # has nothing to visit; type "Language" builds the en_US and es_MX templates, adds both to the lookup's
    # collection and saves it: two templates.
    outcome = finished(run("sendHTMLEmail_Test_Create_Test_Templates_if_needed"))
    templates = store.rows("EmailTemplate")
    assert [t["Name"] for t in templates] == ["sendHTMLEmailTest", "sendHTMLEmailTest"]
    assert [t["Subject"] for t in templates] == ["This is a test email", "Este es un correo electrónico de prueba"]
    assert outcome.outputs["sendHTMLEmailStatus"] is None
    # Second run: the loop's manual variable receives the first template and Do_Nothing says "Exists".
    outcome = finished(run("sendHTMLEmail_Test_Create_Test_Templates_if_needed"))
    assert outcome.outputs == {
        "sendHTMLEmailStatus": "Exists",
        "sendHTMLEmailTestName": "sendHTMLEmailTest",
        "sendHTMLEmailTestType": "Language",
    }
    assert len(store.rows("EmailTemplate")) == 2
    # An unknown type takes the error outcome: InvalidTemplateType's text.
    odd = finished(
        run(
            "sendHTMLEmail_Test_Create_Test_Templates_if_needed",
            {"sendHTMLEmailTestName": "x", "sendHTMLEmailTestType": "Fax"},
        )
    )
    assert odd.outputs["sendHTMLEmailStatus"] == "Error: Invalid Type Requested - Fax"


def test_deal_room_runs_with_its_subflow_and_slack_stubs(
    run: Callable[..., InterviewOutcome], store: RecordStore, actions: ActionRegistry
) -> None:
    # Get_Opportunity -> its account's team members -> the Get_Account_Team_User_Records subflow (two Apex actions)
    # -> the members' Slack ids -> a channel named 'Dealroom - ' + the opportunity's name -> two invitations.
    account = store.insert("Account", {"Name": "Acme"})
    opportunity = store.insert(
        "Opportunity", {"Name": "Big deal", "StageName": "Prospecting", "CloseDate": "2024-12-31", "AccountId": account}
    )
    member = store.insert("AccountTeamMember", {"AccountId": account, "UserId": store.admin_user_id})
    calls: list[tuple[str, dict[str, Any]]] = []

    def stub(name: str, outputs: dict[str, Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
        return lambda inputs: calls.append((name, inputs)) or outputs

    users = [{"attributes": {"type": "User"}, "Id": store.admin_user_id, "SlackId__c": "U42"}]
    actions.register(
        "apex:ExtractStringsFromCollection",
        stub("extract", {"fieldValueCollection": [store.admin_user_id], "fieldValueString": "U42"}),
    )
    actions.register("apex:GetRecordsFromIds", stub("records", {"records": users}))
    actions.register("apex:CreateSlackChannel", stub("channel", {"channelInfo": {"Id": "C1"}}))
    actions.register("apex:ManageSlackChannel", stub("invite", {}))
    finished(run("Generate_Deal_Room_Autolaunched", {"recordId": opportunity, "token": "xoxb-test"}))
    names = [name for name, _ in calls]
    assert names == ["extract", "records", "extract", "channel", "invite", "invite"]
    assert calls[0][1]["inputRecordCollection"][0]["Id"] == member
    assert calls[3][1] == {"channelName": "Dealroom - Big deal", "token": "xoxb-test"}
    assert calls[5][1]["userList"] == "U42" and calls[5][1]["channelId"] == "C1"


def test_load_user_returns_the_user(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    # Load_User (Id = recordId, first record, automatic output) is copied into the output curUser.
    outcome = finished(run("Load_User", {"recordId": store.admin_user_id}))
    assert outcome.outputs["curUser"]["Username"] == "admin@embedded-org.localhost"
    assert finished(run("Load_User", {"recordId": "005000000000009AAA"})).outputs == {"curUser": None}


def test_check_for_completed_approvals_only_decides(run: Callable[..., InterviewOutcome]) -> None:
    # One decision with no connectors: the interview ends after it.
    assert finished(run("Check_for_Completed_Approvals")).elements_executed == 1


def test_account_alerts_has_no_lookup_output_so_its_loop_is_empty(
    run: Callable[..., InterviewOutcome], store: RecordStore
) -> None:
    # Get_Accounts has no output reference and no automatic output (an old file, no apiVersion): the loop over it
    # visits nothing and Update_Accounts saves the empty modifiedAccounts. The NBA action is never called.
    store.insert("Account", {"Name": "Acme"})
    assert finished(run("Account_Alerts")).elements_executed == 3


def test_pause_generator_waits(run: Callable[..., InterviewOutcome]) -> None:
    # The start element (startElementReference) is the wait Pause_Flow.
    outcome = run("TestFlow_PauseGenerator")
    assert (outcome.status, outcome.current_element) == ("Paused", "Pause_Flow")


def test_flow_one_view_elements2_waits_first(run: Callable[..., InterviewOutcome]) -> None:
    # Three waits lead to the Transform; the first wait pauses the interview.
    outcome = run("Flow_OneView_Test_Elements2")
    assert (outcome.status, outcome.current_element) == ("Paused", "Wait_Condition")


def test_flow_one_view_elements_runs_each_kind_up_to_its_missing_subflow(
    run: Callable[..., InterviewOutcome], store: RecordStore, actions: ActionRegistry
) -> None:
    # A test flow with one element of each kind, in a chain: the Apex action (stubbed here), an assignment, a
    # collection processor, Create, Get, Update and Delete Records, Roll Back Records (which cancels what the
    # transaction saved so far), then a subflow, Flow_OneView_Get_Flow_Details, that is not in the corpus: with no
    # fault path the interview ends in Error there, and the whole transaction is rolled back.
    actions.register("apex:ers_SliceText", lambda i: {})
    outcome = run("Flow_OneView_Test_Elements")
    assert (outcome.status, outcome.current_element, outcome.elements_executed) == ("Error", "Subflow", 9)
    assert "The subflow Flow_OneView_Get_Flow_Details doesn't exist" in str(outcome.error_message)


def test_update_contacts_for_won_opportunities_with_apex_stubs(
    run: Callable[..., InterviewOutcome], store: RecordStore, actions: ActionRegistry
) -> None:
    # Get_Opportunity (all opportunities, the first into curOpportunity), then three Apex collection actions; the
    # last one's outputCollection is saved: the contact gets FirstName Mary.
    store.insert("Opportunity", {"Name": "Won", "StageName": "Closed Won", "CloseDate": "2024-01-01"})
    contact = store.insert("Contact", {"LastName": "Lovelace"})
    actions.register("apex:GetChildCollection", lambda i: {"childCollection": [{"Id": "00K000000000001AAA"}]})
    actions.register("apex:GetLookupCollection", lambda i: {"lookupCollection": [{"Id": contact}]})
    actions.register(
        "apex:MapCollection",
        lambda i: {"outputCollection": [{"attributes": {"type": "Contact"}, "Id": contact, "FirstName": "Mary"}]},
    )
    finished(run("Update_Contacts_For_Won_Opportunities"))
    assert store.get("Contact", contact)["FirstName"] == "Mary"  # type: ignore[index]
