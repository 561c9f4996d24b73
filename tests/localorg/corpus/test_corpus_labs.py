"""Real flows of tests/data/flows-corpus from Salesforce Labs packages and open-source projects (incident management,
self-registration, alexed1, the flow scanner, mitchspano; SOURCES.md says where each comes from) on the embedded
engine.

Each test seeds the record store with what the flow looks up, runs it with chosen inputs, and checks the outputs a
person computes by reading the flow (the comment above each expectation says why). Flows that call Apex or other
external actions run with stubs registered in the ActionRegistry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from salesforce_flow_mcp.localorg.flows.engine.actions import ActionRegistry
from salesforce_flow_mcp.localorg.flows.engine.flow_engine import InterviewOutcome
from salesforce_flow_mcp.localorg.flows.model import Flow
from salesforce_flow_mcp.localorg.store.records import RecordStore
from tests.localorg.flow_builders import outputs_of

# ---- SalesforceLabs/FlowAutomationForIncidentManagement -----------------------------------------------------------


def _incident(store: RecordStore) -> dict[str, str]:
    ids: dict[str, str] = {"incident": store.insert("Incident", {"Subject": "Checkout down", "Status": "New"})}
    ids["account1"] = store.insert("Account", {"Name": "Acme"})
    ids["account2"] = store.insert("Account", {"Name": "Globex"})
    ids["contact1"] = store.insert("Contact", {"LastName": "Ada", "AccountId": ids["account1"]})
    ids["contact2"] = store.insert("Contact", {"LastName": "Alan", "AccountId": ids["account2"]})
    ids["case1"] = store.insert(
        "Case", {"Subject": "Can't pay", "AccountId": ids["account1"], "ContactId": ids["contact1"]}
    )
    ids["asset1"] = store.insert("Asset", {"Name": "POS", "AccountId": ids["account2"], "ContactId": ids["contact2"]})
    store.insert("CaseRelatedIssue", {"CaseId": ids["case1"], "RelatedIssueId": ids["incident"]})
    store.insert("IncidentRelatedItem", {"IncidentId": ids["incident"], "AssetId": ids["asset1"]})
    return ids


def test_filter_existing_incident_related_items(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    ids = _incident(store)
    other_case = store.insert("Case", {"Subject": "Other"})
    inputs = {
        "incidentId": ids["incident"],
        "caseIds": [ids["case1"], other_case],
        "assetIds": [ids["asset1"], "02i5g0000000999AAA"],
    }
    # case1 and asset1 are already related to the incident, so RemoveAll takes them out of the collections.
    assert outputs_of(run("AIM_FilterExistingIncidentRelatedItems", inputs)) == {
        "caseIds": [other_case],
        "assetIds": ["02i5g0000000999AAA"],
    }


def test_retrieve_impacted_accounts_and_contacts(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    ids = _incident(store)
    outputs = outputs_of(run("Retrieve_Impacted_Accounts_and_Contacts_Flow", {"IncidentId": ids["incident"]}))
    # Cases and assets of the incident lead (through Case.AccountId / Asset.AccountId) to both accounts and contacts.
    assert [a["Id"] for a in outputs["AccountList"]] == [ids["account1"], ids["account2"]]
    assert [a["Name"] for a in outputs["AccountList"]] == ["Acme", "Globex"]
    assert [c["Id"] for c in outputs["ContactList"]] == [ids["contact1"], ids["contact2"]]
    assert all(c["attributes"] == {"type": "Contact"} for c in outputs["ContactList"])
    # A null IncidentId ends the flow at once.
    assert outputs_of(run("Retrieve_Impacted_Accounts_and_Contacts_Flow", {})) == {
        "AccountList": None,
        "ContactList": None,
    }


def test_update_milestone_marks_it_complete(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    incident = store.insert("Incident", {"Subject": "Checkout down"})
    store.insert("EntityMilestone", {"Name": "First Response", "ParentEntityId": incident, "IsCompleted": False})
    # markComplete defaults to false: the milestone is only read.
    outputs = outputs_of(run("AIM_UpdateMilestone", {"incidentId": incident, "milestoneName": "First Response"}))
    assert outputs["isMilestoneCompleted"] is False
    assert outputs["milestoneRecord"]["CompletionDate"] is None
    # markComplete: CompletionDate = $Flow.InterviewStartTime, saved; the refreshed record is completed.
    outputs = outputs_of(
        run("AIM_UpdateMilestone", {"incidentId": incident, "milestoneName": "First Response", "markComplete": True})
    )
    assert outputs["isMilestoneCompleted"] is True
    assert outputs["milestoneRecord"]["IsCompleted"] is True
    assert outputs["milestoneRecord"]["CompletionDate"].endswith("+0000")
    # No milestone of that name: "Nothing Found" sets false and the record stays null.
    assert outputs_of(run("AIM_UpdateMilestone", {"incidentId": incident, "milestoneName": "Nope"})) == {
        "isMilestoneCompleted": False,
        "milestoneRecord": None,
    }


def test_stage_flow_first_response_pauses_at_its_first_screen(
    run: Callable[..., InterviewOutcome], store: RecordStore
) -> None:
    ids = _incident(store)
    # The lookups and the Retrieve_Impacted_Accounts_and_Contacts_Flow subflow run, then the info screen waits.
    outcome = run("AIM_Stage_Flow_First_Response", {"incidentId": ids["incident"]})
    assert (outcome.status, outcome.current_element, outcome.pause_label) == (
        "Paused",
        "Display_Incident_Info",
        "Display Incident Info",
    )
    # Without an incident it goes straight to the error screen.
    outcome = run("AIM_Stage_Flow_First_Response", {})
    assert (outcome.status, outcome.current_element) == ("Paused", "Error_Screen")


def _extract_strings(inputs: dict[str, Any]) -> dict[str, Any]:
    values = [record.get(inputs["fieldName"]) for record in inputs["collection"] or []]
    if inputs.get("shouldRemoveDuplicates"):
        values = list(dict.fromkeys(values))
    return {"values": values}


def test_incident_detector_creates_an_incident_over_the_threshold(
    run: Callable[..., InterviewOutcome], store: RecordStore, actions: ActionRegistry
) -> None:
    actions.register("apex:AIMExtractStringsFromRecordsAction", _extract_strings)
    actions.register(
        "apex:AIMDedupStringCollectionsAction",
        lambda inputs: {"filteredCollection": list(dict.fromkeys(inputs["collection"]))},
    )
    similar = [
        store.insert("Case", {"Subject": f"Slow {n}", "Reason": "Performance", "Type": "Problem"}) for n in range(10)
    ]
    store.insert("Case", {"Subject": "Closed one", "Reason": "Performance", "Type": "Problem", "Status": "Closed"})
    new_case = {"Id": similar[-1], "Subject": "Slow 9", "Reason": "Performance", "Type": "Problem"}
    outputs = outputs_of(run("AIM_IncidentDetector", record=new_case))
    # Ten open similar cases reach the threshold of 10: an Incident is created and every case is linked to it.
    (incident,) = store.rows("Incident")
    assert outputs == {"incidentId": incident["Id"]}
    assert incident["Subject"] == "Incident - Slow 9"
    assert incident["Description"].startswith("Incident automatically created by the AIM detector.")
    links = store.rows("CaseRelatedIssue")
    assert sorted(link["CaseId"] for link in links) == sorted(similar)
    assert {link["RelationshipType"] for link in links} == {"Similar"}


def test_incident_detector_under_the_threshold_does_nothing(
    run: Callable[..., InterviewOutcome], store: RecordStore, actions: ActionRegistry
) -> None:
    actions.register("apex:AIMExtractStringsFromRecordsAction", _extract_strings)
    actions.register("apex:AIMDedupStringCollectionsAction", lambda i: {"filteredCollection": i["collection"]})
    case = store.insert("Case", {"Subject": "Slow", "Reason": "Performance", "Type": "Problem"})
    outputs = outputs_of(run("AIM_IncidentDetector", record={"Id": case, "Reason": "Performance", "Type": "Problem"}))
    assert outputs == {"incidentId": None}
    assert store.rows("Incident") == []


# ---- SalesforceLabs/Configurable-Self-Registration, alexed1, scanner, mitchspano -------------------------------------


def test_platform_event_flow_creates_a_log(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    event = {"Component_Name__c": "selfRegister", "Log_Type__c": "Error", "Message__c": "boom"}
    assert outputs_of(run("Create_Error_Log_for_Experience_Cloud_Custom_Components", record=event)) == {}
    (log,) = store.rows("Experience_Cloud_Log__c")
    assert (log["Component_Name__c"], log["Log_Type__c"], log["Message__c"]) == ("selfRegister", "Error", "boom")


def test_webhook2flow_passes_values_through_and_creates_contacts(
    run: Callable[..., InterviewOutcome], store: RecordStore
) -> None:
    contact = {"attributes": {"type": "Contact"}, "LastName": "Input"}
    outputs = outputs_of(run("Webhook2Flow_Deploy_Test", {"testContact": contact, "SuppliedName": "Ignored"}))
    # testGenerateContactsParam defaults to false: nothing is created; in/out variables come back unchanged.
    assert outputs == {"errorCollection": None, "testContact": contact, "webhookErrors": None}
    assert store.rows("Contact") == []
    inputs = {
        "testGenerateContactsParam": True,
        "SuppliedName": "Hopper",
        "SuppliedEmail": "grace@example.com",
        "Submission_Date_And_Time": "2024-05-01T09:30:00Z",
        "contactList": [{"attributes": {"type": "Contact"}, "LastName": "Bulk"}],
    }
    outputs_of(run("Webhook2Flow_Deploy_Test", inputs))
    # NewContact (LastName from SuppliedName) then the contactList; the read-only CreatedDate assignment is ignored.
    assert [(c["LastName"], c.get("Email")) for c in store.rows("Contact")] == [
        ("Hopper", "grace@example.com"),
        ("Bulk", None),
    ]


def test_webhook2flow_fault_path_collects_the_error(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    # No SuppliedName: NewContact has no LastName, the create faults, Set_Error copies $Flow.FaultMessage.
    outputs = outputs_of(run("Webhook2Flow_Deploy_Test", {"testGenerateContactsParam": True}))
    (error,) = outputs["errorCollection"]
    assert error["attributes"] == {"type": "FlowExecutionErrorEvent"}
    assert error["ErrorId"] == "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY"
    assert "REQUIRED_FIELD_MISSING: Required fields are missing: [LastName]" in error["ErrorMessage"]
    assert store.rows("Contact") == []


def test_wait_3_days_pauses(run: Callable[..., InterviewOutcome]) -> None:
    outcome = run("Wait_3_Days")
    assert (outcome.status, outcome.current_element, outcome.pause_label) == ("Paused", "Wait_3_Days", "Wait 3 Days")
    assert outcome.outputs == {"WaitingPeriodElapsed": None}


def test_generate_trigger_label(run: Callable[..., InterviewOutcome]) -> None:
    # Object names starting with a vowel get "an".
    assert outputs_of(run("Generate_Trigger_Label", {"action": "created", "objectName": "Account"})) == {
        "outputString": "When an Account is created"
    }
    assert outputs_of(run("Generate_Trigger_Label", {"action": "updated", "objectName": "Contact"})) == {
        "outputString": "When a Contact is updated"
    }


def test_schedule_recs_with_canned_outputs(
    run: Callable[..., InterviewOutcome], store: RecordStore, actions: ActionRegistry, tmp_path: Path
) -> None:
    first = store.insert("Account", {"Name": "With recs"})
    second = store.insert("Account", {"Name": "Without recs"})
    stubs = tmp_path / "stubs.json"
    stubs.write_text(json.dumps({"apex:ExecuteNBAStrategy": [{"recCount": 2}, {"recCount": 0}]}))
    actions.load_json(stubs)
    outputs = outputs_of(run("Schedule_Recs", {"recordId": first}))
    # The first call finds 2 recommendations (insight true), the second none (false); both accounts are updated.
    assert outputs == {
        "ModifiedAccountList": [
            {"attributes": {"type": "Account"}, "Id": first, "HasAvailableInsight__c": True},
            {"attributes": {"type": "Account"}, "Id": second, "HasAvailableInsight__c": False},
        ]
    }
    assert [a["HasAvailableInsight__c"] for a in store.rows("Account")] == [True, False]


def test_copy_files_subflow(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    source = store.insert("Account", {"Name": "Source"})
    target = store.insert("Account", {"Name": "Target"})
    for doc in ("0695g0000000001AAA", "0695g0000000002AAA"):
        store.insert("ContentDocumentLink", {"ContentDocumentId": doc, "LinkedEntityId": source, "ShareType": "V"})
    outputs = outputs_of(run("Utility_Copy_Files_Subflow", {"vSourceObjectId": source, "vTargetObjectId": target}))
    assert outputs == {"vErrorMessage": None, "vIsError": False}
    copies = [link for link in store.rows("ContentDocumentLink") if link["LinkedEntityId"] == target]
    assert sorted(c["ContentDocumentId"] for c in copies) == ["0695g0000000001AAA", "0695g0000000002AAA"]
    # A record without files: the "no source files" branch.
    empty = store.insert("Account", {"Name": "No files"})
    assert outputs_of(run("Utility_Copy_Files_Subflow", {"vSourceObjectId": empty, "vTargetObjectId": source})) == {
        "vErrorMessage": "There are no files attached to the Source record",
        "vIsError": True,
    }
    assert outputs_of(run("Utility_Copy_Files_Subflow", {"vSourceObjectId": source})) == {
        "vErrorMessage": "Either or both of the Source or Target record ids are blank.",
        "vIsError": True,
    }


def test_soql_query_in_a_loop(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    store.insert("Account", {"Name": "Unclassified", "Industry": "None"})
    accounts = [{"attributes": {"type": "Account"}, "Name": "A"}, {"attributes": {"type": "Account"}, "Name": "B"}]
    # The lookup finds the Industry "None" account on each pass; the loop then ends the flow.
    assert outputs_of(run("SOQL_Query_In_A_Loop", {"Accounts": accounts})) == {"Accounts": accounts}


def test_soql_query_in_a_loop_reaches_an_unavailable_quick_action(
    run: Callable[..., InterviewOutcome], store: RecordStore
) -> None:
    outcome = run("SOQL_Query_In_A_Loop", {"Accounts": [{"attributes": {"type": "Account"}, "Name": "A"}]})
    # Nothing found: the default path goes to the NewCase quick action, which only a real org has.
    assert outcome.status == "Error"
    assert outcome.current_element == "dosomethingelse"
    assert "Action 'quickAction:NewCase' is not available in the embedded org" in str(outcome.error_message)


def test_missing_null_handler_by_id_prefix(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    admin = store.admin_user_id
    # 005... is a User: Get_User stores the user with only the queried Id.
    assert outputs_of(run("No_Missing_Null_Handler", {"recordId": admin})) == {
        "errorMessage": None,
        "queueRecord": None,
        "userRecord": {"attributes": {"type": "User"}, "Id": admin},
    }
    queue = store.insert("Group", {"Name": "Support", "Type": "Queue"})
    assert outputs_of(run("No_Missing_Null_Handler", {"recordId": queue}))["queueRecord"] == {
        "attributes": {"type": "Group"},
        "Id": queue,
    }


def test_trigger_action_flow_with_a_stub(run: Callable[..., InterviewOutcome], actions: ActionRegistry) -> None:
    received: list[dict[str, Any]] = []
    actions.register("apex:TriggerActionFlowAddError", lambda inputs: received.append(inputs) or {})
    record = {"attributes": {"type": "Account"}, "Name": "Old"}
    outputs = outputs_of(run("TriggerActionFlowTest", {"record": record, "recordPrior": record}))
    # Set_Name renames the record to Foo before the action gets it.
    assert outputs == {"record": {"attributes": {"type": "Account"}, "Name": "Foo"}}
    assert received == [{"errorMessage": "Test!", "record": {"attributes": {"type": "Account"}, "Name": "Foo"}}]


def test_trigger_action_picklist_flow_runs(run: Callable[..., InterviewOutcome]) -> None:
    records = [{"newRecord": {"Category": None, "Channel": "Web"}}, {"newRecord": {"Channel": None}}]
    outcome = run("TriggerActionFlowPicklistTest", {"triggerRecords": records})
    # The second assignment has no connector back to the loop: the flow ends after the first record
    # (loop, two assignments).
    assert outcome.status == "Finished"
    assert outcome.elements_executed == 3


def test_deal_room_without_stubs_stops_in_its_subflow(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    account = store.insert("Account", {"Name": "Acme"})
    opportunity = store.insert(
        "Opportunity", {"Name": "Big deal", "StageName": "Prospecting", "CloseDate": "2024-12-31", "AccountId": account}
    )
    outcome = run("Generate_Deal_Room_Autolaunched", {"recordId": opportunity, "token": "xoxb-test"})
    # The Get_Account_Team_User_Records subflow (in the corpus) calls an Apex action nobody stubbed: the subflow
    # element fails, naming the action (test_corpus_lfc.py runs it with stubs).
    assert outcome.status == "Error"
    assert outcome.current_element == "Get_Account_Team_User_Records"
    assert "apex:ExtractStringsFromCollection" in str(outcome.error_message)


def test_every_corpus_flow_returns_an_outcome_for_empty_and_wrong_inputs(
    corpus: dict[str, Flow], run: Callable[..., InterviewOutcome]
) -> None:
    for name, flow in corpus.items():
        outcome = run(name)
        assert outcome.error_code in (None, "UNKNOWN_EXCEPTION", "FIELD_CUSTOM_VALIDATION_EXCEPTION"), name
        for var in flow.input_variables:
            wrong = run(name, {var.name: {"not": "a value"} if var.data_type not in ("SObject", "Apex") else 7})
            assert (wrong.status, wrong.error_code) == ("Error", "INVALID_INPUT"), (name, var.name)
            assert f"'{var.name}'" in str(wrong.error_message)
