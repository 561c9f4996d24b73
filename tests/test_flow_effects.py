"""Tool hints from what each flow does (its Tooling API Metadata), as a table over every demo flow and every flow of
tests/data/flows-corpus; the element-kind rules one by one; and the Tooling composite read as the org serves it.

The metadata comes from the embedded org's GET /tooling/sobjects/Flow/{Id}, as the server reads it from a real org.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest

from salesforce_flow_mcp.localorg.app import create_org_app
from salesforce_flow_mcp.localorg.store.state import DEMO_ACCESS_TOKEN, OrgState
from salesforce_flow_mcp.salesforce.flow_metadata import UNREADABLE
from salesforce_flow_mcp.tools.flow_effects import (
    CONSERVATIVE,
    ELEMENT_EFFECTS,
    FlowEffects,
    FlowHints,
    derive,
    effects_from_summary,
    hints_for,
    phrase,
    resolve_subflows,
    summarize,
)
from tests.support import CORPUS, org_stack

V = "/services/data/v59.0"
READ = FlowHints(read_only=True, destructive=False, idempotent=True, open_world=False)
CREATE = FlowHints(read_only=False, destructive=False, idempotent=False, open_world=False)  # creates only
CREATE_OUT = FlowHints(read_only=False, destructive=False, idempotent=False, open_world=True)  # and sends email
CHANGE = FlowHints(read_only=False, destructive=True, idempotent=False, open_world=False)  # updates or deletes
ANY = CONSERVATIVE  # Apex, quick actions, unknown actions: may write anything, may reach outside

DEMO_HINTS = {
    "Create_Account_Without_Name": CREATE,
    "Create_Contact": CREATE,
    "Customer_Onboarding_Screens": CREATE,
    "Quote_Discount_Calculator": READ,
    "Route_Support_Case": READ,
    "Schedule_Follow_Up": CREATE,
    "Total_Order_Lines": READ,
    "Welcome_Email_Draft": CREATE_OUT,
}
CORPUS_HINTS = {
    "AIM_FilterExistingIncidentRelatedItems": READ,
    "AIM_IncidentDetector": ANY,
    "AIM_Stage_Flow_First_Response": CHANGE,
    "AIM_UpdateMilestone": CHANGE,
    "Account_Alerts": ANY,
    "Account_Health_Check_Calculator": ANY,
    "AddToCart": CHANGE,
    "AssessChurnRisk": READ,
    "AwardLoyaltyPoints": CHANGE,
    "Check_for_Completed_Approvals": READ,
    "Copy_API_Name": READ,
    "Copy_API_Name_Fixed": READ,
    "CreateBooking": CREATE,
    "Create_Booking": CREATE,
    "Create_Error_Log_for_Experience_Cloud_Custom_Components": CREATE,
    "Create_Slack_Channel_For_Reseller_Order_Collaboration": ANY,
    "Create_property": ANY,
    "Cyclomatic_Complexity": ANY,
    "DML_Statement_In_A_Loop": ANY,
    "DML_Statement_In_A_Loop_Fixed": ANY,
    "DeleteTicket": CHANGE,
    "DemoFlow_Clone_Collection": ANY,
    "DemoFlow_Map_Collection": ANY,
    "Duplicate_DML_Operation": ANY,
    "Duplicate_DML_Operation_Fixed": ANY,
    "Duplicate_Email": READ,
    "ExecuteTransfer": CHANGE,
    "FlowNamingConvention": READ,
    "Flow_Naming_Convention_Fixed": READ,
    "Flow_OneView_Test_Elements": ANY,
    "Flow_OneView_Test_Elements2": CREATE,
    "GenerateReport": CREATE,
    "Generate_Deal_Room_Autolaunched": ANY,
    "Generate_Trigger_Label": READ,
    "GetAccountBalance": READ,
    "GetCurrentTimestamp": READ,
    "GetProductInfo": READ,
    "GetRecommendations": READ,
    "Get_Account_Team_User_Records": ANY,
    "Get_All_Elements_Flow": READ,
    "Get_All_Elements_Flow_ALL_FIELDS": READ,
    "Get_All_Elements_Flow_FieldVarRecord": READ,
    "Get_All_Elements_Flow_IndividualVar": READ,
    "Get_All_Elements_Flow_Salesforce_Do_The_rest": READ,
    "Get_Sessions": READ,
    "HardcodedUrl": READ,
    "Hardcoded_Id": ANY,
    "Hardcoded_Id_Fixed": ANY,
    "Issue_Bulk_Resort_Credits": CREATE,
    "Load_User": READ,
    "Make_Recursive": CHANGE,
    "Missing_Error_Handler": ANY,
    "Missing_Error_Handler_Fixed": ANY,
    "Missing_Flow_Description": READ,
    "Missing_Flow_Description_Fixed": READ,
    "Missing_Null_Handler": ANY,
    "Missing_Null_Handler_Fixed": ANY,
    "No_Missing_Null_Handler": READ,
    "OCR_Flow": CREATE,
    "Outdated_API_Version": READ,
    "Outdated_API_Version_Fixed": READ,
    "Populate_Vehicle_Range": READ,
    "ProcessPayment": CREATE,
    "Retrieve_Impacted_Accounts_and_Contacts_Flow": READ,
    "SOQL_Query_In_A_Loop": ANY,
    "SOQL_Query_In_A_Loop_Fixed": ANY,
    "Same_Record_Field_Updates": CHANGE,
    "SaveTasks": CHANGE,
    "Schedule_Recs": ANY,
    "SearchKnowledgeBase": READ,
    "Send_Verification_Code": ANY,
    "TestFlowAllElements": ANY,
    "TestFlow_PauseGenerator": CREATE,
    "TriggerActionFlowPicklistTest": READ,
    "TriggerActionFlowTest": ANY,
    "Unconnected_Element": READ,
    "Unconnected_Element_Async": CHANGE,
    "Unconnected_Element_Fixed": READ,
    "Unsafe_Running_Context": READ,
    "Unsafe_Running_Context_Default": CREATE,
    "Unsafe_Running_Context_WithSharing": CREATE,
    "Unused_Variable": READ,
    "Unused_Variable_Fixed": READ,
    "Update_Contacts_For_Won_Opportunities": ANY,
    "Utility_Copy_Files_Subflow": CREATE,
    "Wait_3_Days": CREATE,
    "Webhook2Flow_Deploy_Test": CREATE,
    "createReservation": ANY,
    "sendHTMLEmail_Test_Create_Test_Templates_if_needed": CREATE,
}


async def _metadata_of_every_version(folder: Path | None) -> list[tuple[str, dict[str, Any]]]:
    """(flow name, Flow.Metadata) of every version the embedded org holds, read as the server reads them (Tooling
    API, one version per request)."""
    state = OrgState.create(":memory:", folder, access_token=DEMO_ACCESS_TOKEN)
    try:
        transport = httpx2.ASGITransport(app=create_org_app(state))
        headers = {"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"}
        async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1", headers=headers) as org:
            listed = await org.get(f"{V}/tooling/query", params={"q": "SELECT Id, Definition.DeveloperName FROM Flow"})
            versions = []
            for row in listed.json()["records"]:
                record = (await org.get(f"{V}/tooling/sobjects/Flow/{row['Id']}")).json()
                versions.append((row["Definition"]["DeveloperName"], record["Metadata"]))
            return versions
    finally:
        state.close()


def _hints_of_every_version(folder: Path | None) -> dict[str, FlowHints]:
    return {name: hints_for(derive(metadata)) for name, metadata in anyio.run(_metadata_of_every_version, folder)}


def test_every_demo_flow_gets_the_hints_of_what_it_does() -> None:
    assert _hints_of_every_version(None) == DEMO_HINTS


def test_every_corpus_flow_gets_the_hints_of_what_it_does() -> None:
    """Checked by hand against each flow's elements: record lookups only -> read-only; record creates only -> not
    destructive; updates or deletes -> destructive; Apex, quick actions and other actions -> the conservative hints;
    emailSimple -> open world."""
    assert _hints_of_every_version(CORPUS) == CORPUS_HINTS


def test_the_table_knows_every_element_kind_the_flows_use() -> None:
    """An element kind the table does not know would make a flow's hints conservative: none of ours has one."""
    for folder in (None, CORPUS):
        versions = anyio.run(_metadata_of_every_version, folder)
        unknown = {kind for _, metadata in versions for kind in metadata} - set(ELEMENT_EFFECTS)
        assert unknown == set(), unknown


def _flow(**elements: Any) -> dict[str, Any]:
    return {"label": "X", "processType": "AutoLaunchedFlow", "status": "Active", **elements}


def test_element_kinds_one_by_one() -> None:
    assert hints_for(derive(_flow(assignments=[{"name": "a"}]))) == READ
    assert hints_for(derive(_flow(recordLookups=[{"object": "Account"}]))) == READ
    assert hints_for(derive(_flow(recordCreates=[{"object": "Case"}]))) == CREATE
    assert hints_for(derive(_flow(recordUpdates=[{"object": "Case"}]))) == CHANGE
    assert hints_for(derive(_flow(recordDeletes=[{"inputReference": "old"}]))) == CHANGE
    assert hints_for(derive(_flow(actionCalls=[{"actionType": "apex", "actionName": "Refund"}]))) == ANY
    assert hints_for(derive(_flow(actionCalls=[{"actionType": "emailSimple", "actionName": "e"}]))) == CREATE_OUT
    assert hints_for(derive(_flow(apexPluginCalls=[{"apexClass": "Plugin"}]))) == ANY
    assert hints_for(derive(_flow(waits=[{"name": "w"}]))) == CREATE  # a paused interview is stored
    # A kind the table does not know, or no metadata at all: the conservative hints, with the reason.
    odd = hints_for(derive(_flow(orchestratedStages=[{"name": "s"}])))
    assert odd == CONSERVATIVE and odd.reasons == ("element kind orchestratedStages",)
    for unreadable in (None, {}, "x"):
        assert hints_for(derive(unreadable)) == CONSERVATIVE
    assert hints_for(effects_from_summary(UNREADABLE)) == CONSERVATIVE
    assert hints_for(effects_from_summary(None)) == CONSERVATIVE


def test_record_variables_name_their_object() -> None:
    metadata = _flow(
        variables=[{"name": "newCase", "objectType": "Case"}],
        recordCreates=[{"inputReference": "newCase"}],
        recordLookups=[{"object": "Account"}, {"object": "Contact"}],
    )
    assert phrase(derive(metadata)) == "creates Case; reads Account, Contact"
    assert phrase(derive(_flow(assignments=[{}]))) == "touches no records"
    assert phrase(derive(None)) is None


def test_a_subflow_brings_its_effects_and_an_unknown_one_makes_them_unknown() -> None:
    caller = derive(_flow(subflows=[{"flowName": "Writer"}], recordLookups=[{"object": "Account"}]))
    writer = derive(_flow(recordUpdates=[{"object": "Case"}]))
    resolved = resolve_subflows({"Caller": caller, "Writer": writer})
    assert hints_for(resolved["Caller"]) == CHANGE
    assert resolved["Caller"].updates == ("Case",)
    alone = resolve_subflows({"Caller": caller})
    assert hints_for(alone["Caller"]) == CONSERVATIVE  # the subflow was not read
    looping = derive(_flow(subflows=[{"flowName": "Loop"}]))
    assert hints_for(resolve_subflows({"Loop": looping})["Loop"]) == READ  # calls itself: nothing new


def test_the_summary_round_trips_through_the_cache_form() -> None:
    metadata = _flow(recordCreates=[{"object": "Case"}], actionCalls=[{"actionType": "emailSimple", "actionName": "m"}])
    summary = summarize(metadata)
    assert summary == {"creates": ["Case"], "actions": ["emailSimple:m"]}
    assert effects_from_summary(summary) == derive(metadata)
    assert FlowEffects().as_summary() == {}


@pytest.mark.anyio
async def test_the_tooling_composite_reads_25_versions_in_one_call() -> None:
    """POST /tooling/composite as the Tooling API documents it: 25 subrequests at most, one API call in all."""
    async with org_stack() as stack:
        rows = (await stack.org.get(f"{V}/tooling/query", params={"q": "SELECT Id FROM Flow"})).json()["records"]
        subrequests = [
            {"method": "GET", "url": f"{V}/tooling/sobjects/Flow/{r['Id']}", "referenceId": f"r{i}"}
            for i, r in enumerate(rows)
        ]
        before = (await stack.org.get("/__org/status")).json()["apiUsage"]
        answer = await stack.org.post(
            f"{V}/tooling/composite", json={"allOrNone": False, "compositeRequest": subrequests}
        )
        after = (await stack.org.get("/__org/status")).json()["apiUsage"]
        assert answer.status_code == 200
        results = answer.json()["compositeResponse"]
        assert [r["referenceId"] for r in results] == [s["referenceId"] for s in subrequests]
        assert all(r["httpStatusCode"] == 200 and "Metadata" in r["body"] for r in results)
        assert after - before == 1, "the whole composite request is one call"
        too_many = [{**subrequests[0], "referenceId": f"x{i}"} for i in range(26)]
        refused = await stack.org.post(f"{V}/tooling/composite", json={"compositeRequest": too_many})
        assert refused.status_code == 400 and refused.json()[0]["errorCode"] == "LIMIT_EXCEEDED"
        missing = {"method": "GET", "url": f"{V}/tooling/sobjects/Flow/301000000000999AAA", "referenceId": "gone"}
        halted = await stack.org.post(
            f"{V}/tooling/composite", json={"allOrNone": True, "compositeRequest": [subrequests[0], missing]}
        )
        statuses = [r["httpStatusCode"] for r in halted.json()["compositeResponse"]]
        assert statuses == [400, 404], "allOrNone: the others answer 400"


@pytest.mark.anyio
async def test_without_the_tooling_api_every_flow_keeps_the_conservative_hints() -> None:
    """The seed dialect has no Tooling API, so no metadata: each flow tool says it may write and reach outside."""
    async with org_stack(dialect="seed") as stack:
        tools = {t.name: t for t in (await stack.mcp.list_tools()).tools if t.name.startswith("flow_")}
        assert len(tools) == 6
        for tool in tools.values():
            hints = tool.annotations
            assert hints is not None
            # readOnlyHint false is left out: missing means false (MCP's default, and any client's reading).
            assert (hints.read_only_hint, hints.destructive_hint, hints.open_world_hint) == (None, True, True)
