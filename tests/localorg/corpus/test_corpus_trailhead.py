"""Real flows of tests/data/flows-corpus from the Trailhead sample apps (agent-script-recipes, coral-cloud,
ebikes-lwc, dreamhouse, easy-spaces, ecars; SOURCES.md says where each comes from) on the embedded engine.

Each test seeds the record store with what the flow looks up, runs it with chosen inputs, and checks the outputs a
person computes by reading the flow (the comment above each expectation says why). Flows that call Apex or other
external actions run with stubs registered in the ActionRegistry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from salesforce_flow_mcp.localorg.flows.engine.actions import ActionRegistry
from salesforce_flow_mcp.localorg.flows.engine.flow_engine import InterviewOutcome
from salesforce_flow_mcp.localorg.store.records import RecordStore
from tests.localorg.flow_builders import outputs_of

# ---- trailheadapps/agent-script-recipes ---------------------------------------------------------------------------


def test_add_to_cart_creates_a_cart_then_reuses_it(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    # No cart with Status New exists: the flow creates one (total 0), adds the item and raises the total by its price.
    assert outputs_of(run("AddToCart", {"item_name": "Bell", "price": 10.5})) == {"success": True, "new_total": 10.5}
    # The second call finds that cart (Status New) and adds 2.00 to its 10.50.
    assert outputs_of(run("AddToCart", {"item_name": "Light", "price": 2})) == {"success": True, "new_total": 12.5}
    carts = store.rows("ASR_Shopping_Cart__c")
    assert [(c["Status__c"], c["Total_Amount__c"]) for c in carts] == [("New", 12.5)]
    items = store.rows("ASR_Cart_Item__c")
    assert [(i["Price__c"], i["Shopping_Cart__c"]) for i in items] == [(10.5, carts[0]["Id"]), (2, carts[0]["Id"])]


def test_get_recommendations_loops_over_matching_products(
    run: Callable[..., InterviewOutcome], store: RecordStore
) -> None:
    store.insert("ASR_Product__c", {"Name": "Trail Bike", "Price__c": 499.99})
    store.insert("ASR_Product__c", {"Name": "Road Bike", "Price__c": 899.5})
    store.insert("ASR_Product__c", {"Name": "Helmet", "Price__c": 59})
    # Price <= 600 AND Name contains "bike" (SOQL-like, case-insensitive): only the Trail Bike.
    assert outputs_of(run("GetRecommendations", {"budget": 600, "product_name": "bike"})) == {
        "recommendations": ["Trail Bike"]
    }
    # Nothing under 10: the lookup finds nothing, the loop never adds, the collection stays null.
    assert outputs_of(run("GetRecommendations", {"budget": 10, "product_name": "Bike"})) == {"recommendations": None}


def test_generate_report_logs_and_builds_a_url(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    inputs = {
        "start_date": "2024-01-01",
        "end_date": "2024-01-31",
        "format": "PDF",
        "include_charts": True,
        "options": "landscape",
        "report_type": "Sales",
        "user_id": "0055g0000000001AAA",
    }
    outputs = outputs_of(run("GenerateReport", inputs))
    (log,) = store.rows("ASR_Report_Log__c")
    assert log["Start_Date__c"] == "2024-01-01" and log["Include_Charts__c"] is True
    # LEFT($Api.Partner_Server_URL_470, FIND('/services', ...)) is the org's base URL with its slash, then the log Id.
    assert outputs["report_url"] == f"http://127.0.0.1:8765/{log['Id']}"
    assert outputs["success"] is True
    # The in/out variables come back as they went in.
    assert {k: outputs[k] for k in inputs} == inputs


def test_get_product_info(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    store.insert(
        "ASR_Product__c", {"Name": "Road Bike", "Price__c": 899.5, "Description__c": "Fast", "In_Stock__c": False}
    )
    assert outputs_of(run("GetProductInfo", {"product_name": "Road Bike"})) == {
        "product_details": "Fast",
        "price": 899.5,
        "in_stock": False,
    }
    # No product: Get_Product stays null and every field read from it is null.
    assert outputs_of(run("GetProductInfo", {"product_name": "Unicycle"})) == {
        "product_details": None,
        "price": None,
        "in_stock": None,
    }


def test_assess_churn_risk_is_a_fixed_mock(run: Callable[..., InterviewOutcome]) -> None:
    inputs = {"account": {"attributes": {"type": "Account"}, "Name": "Acme"}, "support_tickets": [], "orders": []}
    # One assignment: risk_score 85 (scale 2 -> 85.0) and one risk factor added to the collection.
    assert outputs_of(run("AssessChurnRisk", inputs)) == {"risk_score": 85.0, "risk_factors": ["High ticket volume"]}


def test_search_knowledge_base_by_issue_type(run: Callable[..., InterviewOutcome]) -> None:
    technical = outputs_of(run("SearchKnowledgeBase", {"issue_type": "technical", "keywords": "password"}))
    assert technical["articles"] == ["Article 1: How to Reset Password"]
    assert technical["top_article"].startswith("How to Reset Password: Go to Settings > Security")
    # Any other issue type takes the default path, which sets an empty top_article and no articles.
    assert outputs_of(run("SearchKnowledgeBase", {"issue_type": "billing"})) == {"articles": None, "top_article": ""}


def test_save_tasks_updates_each_task(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    first = store.insert("ASR_Task__c", {"Name": "Write", "Done__c": False})
    second = store.insert("ASR_Task__c", {"Name": "Ship", "Done__c": False})
    tasks = [
        {"attributes": {"type": "ASR_Task__c"}, "Id": first, "Done__c": True},
        {"attributes": {"type": "ASR_Task__c"}, "Id": second, "Done__c": True},
    ]
    # The loop updates every task, then AssignCount counts the input collection.
    assert outputs_of(run("SaveTasks", {"tasks": tasks})) == {"success": True, "task_count": 2}
    assert [t["Done__c"] for t in store.rows("ASR_Task__c")] == [True, True]


def test_delete_ticket(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    keep = store.insert("Case", {"Subject": "Keep me"})
    ticket = store.insert("Case", {"Subject": "Delete me"})
    assert outputs_of(run("DeleteTicket", {"ticket_id": ticket})) == {"success": True}
    assert [c["Id"] for c in store.rows("Case")] == [keep]


def test_award_loyalty_points(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    store.insert("ASR_Payment_Transaction__c", {"Transaction_ID__c": "T-1", "Amount__c": 12.34})
    # PointsCalc = amount * 10 = 123.4, a Number formula with scale 0 -> 123.
    assert outputs_of(run("AwardLoyaltyPoints", {"amount": 12.34, "transaction_id": "T-1"})) == {"points": 123}
    assert store.rows("ASR_Payment_Transaction__c")[0]["Loyalty_Points_Awarded__c"] == 123


def test_get_account_balance(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    store.insert("ASR_Financial_Account__c", {"Account_Number__c": "ACC-1", "Balance__c": 1500.25})
    assert outputs_of(run("GetAccountBalance", {"account_number": "ACC-1"})) == {
        "balance": 1500.25,
        "account_valid": True,
    }
    # Not found: assignNullValuesIfNoRecordsFound sets balance to null, so the decision takes "Not Found".
    assert outputs_of(run("GetAccountBalance", {"account_number": "ACC-9"})) == {
        "balance": None,
        "account_valid": False,
    }


def test_execute_transfer_logs_the_transfer(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    source = store.insert("ASR_Financial_Account__c", {"Account_Number__c": "A", "Balance__c": 500})
    target = store.insert("ASR_Financial_Account__c", {"Account_Number__c": "B", "Balance__c": 20})
    outputs = outputs_of(run("ExecuteTransfer", {"from_account": "A", "to_account": "B", "amount": 100}))
    (log,) = store.rows("ASR_Transaction_Log__c")
    assert outputs == {"success": True, "transaction_id": log["Id"]}
    assert (log["From_Account__c"], log["To_Account__c"], log["Amount__c"], log["Status__c"]) == (
        source,
        target,
        100,
        "Success",
    )
    # The flow writes each balance back unchanged (it is a mock): 500 and 20 stay.
    assert [a["Balance__c"] for a in store.rows("ASR_Financial_Account__c")] == [500, 20]


def test_get_current_timestamp(run: Callable[..., InterviewOutcome]) -> None:
    # The text literal {!$Flow.CurrentDateTime} is filled with the interview's clock, printed as TEXT() prints it.
    assert outputs_of(run("GetCurrentTimestamp")) == {"current_timestamp": "2024-05-01 12:34:56Z"}


def test_create_booking_by_hotel_name(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    hotel = store.insert("ASR_Hotel__c", {"Name": "Grand Hotel"})
    outputs = outputs_of(
        run("CreateBooking", {"check_in": "2024-06-01", "check_out": "2024-06-03", "hotel_name": "Grand Hotel"})
    )
    (booking,) = store.rows("ASR_Hotel_Booking__c")
    assert outputs == {"booking_id": booking["Id"], "success": True}
    # DATEVALUE turns the text inputs into dates; the hotel comes from Get_Hotel.Id.
    assert (booking["Check_In__c"], booking["Check_Out__c"], booking["Hotel__c"]) == ("2024-06-01", "2024-06-03", hotel)


def test_process_payment_makes_a_transaction_id_from_the_guid(
    run: Callable[..., InterviewOutcome], store: RecordStore
) -> None:
    outcome = run("ProcessPayment", {"amount": 5, "method": "card"})
    # MockTxnId = "TXN-" & LEFT($Flow.InterviewGuid, 15).
    assert outputs_of(outcome) == {"transaction_id": "TXN-" + outcome.guid[:15], "success": True}
    (txn,) = store.rows("ASR_Payment_Transaction__c")
    assert (txn["Transaction_ID__c"], txn["Status__c"], txn["Amount__c"]) == ("TXN-" + outcome.guid[:15], "Pending", 5)


# ---- trailheadapps/coral-cloud ------------------------------------------------------------------------------------


def test_issue_bulk_resort_credits(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    ada = store.insert("Contact", {"LastName": "Lovelace"})
    alan = store.insert("Contact", {"LastName": "Turing"})
    contacts = [{"attributes": {"type": "Contact"}, "Id": ada}, {"attributes": {"type": "Contact"}, "Id": alan}]
    # One Credit__c per contact (the loop adds a copy of creditRecord each time), then the text template.
    assert outputs_of(run("Issue_Bulk_Resort_Credits", {"amount": 50, "contactRecords": contacts})) == {
        "message": "Issued $50 resort credit to 2 customers."
    }
    assert [(c["Contact__c"], c["Amount__c"]) for c in store.rows("Credit__c")] == [(ada, 50), (alan, 50)]


def test_send_verification_code_to_a_user_with_a_stub(
    run: Callable[..., InterviewOutcome], store: RecordStore, actions: ActionRegistry
) -> None:
    actions.register(
        "generateVerificationCode", lambda inputs: {"verificationCode": "424242", "authenticationKey": "k1"}
    )
    outputs = outputs_of(run("Send_Verification_Code", {"customerToVerify": "admin@embedded-org.localhost"}))
    # GetUser finds the org's admin by Username, so the code goes to the user's email; customerType is "User".
    assert outputs["verificationCode"] == "424242"
    assert outputs["authenticationKey"] == "k1"
    assert outputs["customerId"] == store.admin_user_id
    assert outputs["customerType"] == "User"
    assert outputs["verificationMessage"].startswith("If you have provided a valid email or username")


def test_send_verification_code_to_a_contact_with_the_built_in_action(
    run: Callable[..., InterviewOutcome], store: RecordStore
) -> None:
    contact = store.insert("Contact", {"LastName": "Guest", "Email": "guest@example.com"})
    outputs = outputs_of(run("Send_Verification_Code", {"customerToVerify": "guest@example.com"}))
    # No user has that username; GetContactByEmail finds the contact.
    assert (outputs["customerId"], outputs["customerType"]) == (contact, "Contact")
    assert re.fullmatch(r"\d{6}", outputs["verificationCode"])
    # Nobody with that email or username: only SetVerificationMessage runs, so nothing else is set.
    unknown = outputs_of(run("Send_Verification_Code", {"customerToVerify": "nobody@example.com"}))
    assert (unknown["verificationCode"], unknown["customerId"], unknown["customerType"]) == (None, None, None)
    assert unknown["verificationMessage"].startswith("If you have provided a valid email or username")


def test_get_sessions_filters_by_date_experience_and_slots(
    run: Callable[..., InterviewOutcome], store: RecordStore
) -> None:
    wanted = store.insert(
        "Session__c",
        {"Date__c": "2024-07-01", "Experience__c": "EXP-1", "Available_Slots__c": 5, "Start_Time__c": "09:00:00.000Z"},
    )
    store.insert("Session__c", {"Date__c": "2024-07-01", "Experience__c": "EXP-1", "Available_Slots__c": 0})
    store.insert("Session__c", {"Date__c": "2024-07-02", "Experience__c": "EXP-1", "Available_Slots__c": 3})
    outputs = outputs_of(run("Get_Sessions", {"experienceId": "EXP-1", "startDate": "2024-07-01"}))
    # Only the queried fields come back, with the record's attributes.
    assert outputs == {
        "sessions": [
            {
                "attributes": {"type": "Session__c"},
                "Id": wanted,
                "Start_Time__c": "09:00:00.000Z",
                "End_Time__c": None,
                "Available_Slots__c": 5,
            }
        ]
    }


def test_create_booking_returns_the_created_record(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    contact = store.insert("Contact", {"LastName": "Guest"})
    session = store.insert("Session__c", {"Date__c": "2024-07-01"})
    outputs = outputs_of(run("Create_Booking", {"contactId": contact, "numberOfGuests": 2, "sessionId": session}))
    (booking,) = store.rows("Booking__c")
    assert (booking["Contact__c"], booking["Number_of_Guests__c"], booking["Session__c"]) == (contact, 2, session)
    # Get_Booking_Record re-reads it with three queried fields; the flow returns that record.
    assert outputs == {
        "createdBooking": {
            "attributes": {"type": "Booking__c"},
            "Id": booking["Id"],
            "Experience_Name__c": None,
            "Date__c": None,
        }
    }


# ---- trailheadapps/ebikes-lwc, dreamhouse, easy-spaces, ecars -----------------------------------------------------


def test_account_health_check_with_apex_stubs(run: Callable[..., InterviewOutcome], actions: ActionRegistry) -> None:
    seen: list[dict[str, Any]] = []

    def activity(inputs: dict[str, Any]) -> dict[str, Any]:
        seen.append(inputs)
        return {"score": 24.5, "details": "12 activities"}

    actions.register("apex:ActivityEngagementScore", activity)
    actions.register("apex:OpportunityHealthScore", lambda inputs: {"score": 20, "details": "2 open deals"})
    actions.register("SupportSignalsScore", lambda inputs: {"score": 30.25, "details": "1 open case"})
    outputs = outputs_of(run("Account_Health_Check_Calculator", {"AccountId": "0015g0000000001AAA"}))
    assert seen == [{"accountId": "0015g0000000001AAA"}]
    # FinalHealthScore starts null; three Add assignments give 24.5 + 20 + 30.25.
    assert outputs["FinalHealthScore"] == 74.75
    # The rich-text template fills each score (scale 2 variables) and detail.
    details = outputs["ScoreDetails"]
    assert details.startswith("<p>FINAL HEALTH SCORE: 74.75 / 100</p>")
    assert "ACTIVITY &amp; ENGAGEMENT: 24.5 / 30 (30%)</p><p>12 activities</p>" in details
    assert "SUPPORT SIGNALS: 30.25 / 40 (40%)</p><p>1 open case</p>" in details


def test_account_health_check_without_stubs_names_the_missing_action(run: Callable[..., InterviewOutcome]) -> None:
    outcome = run("Account_Health_Check_Calculator", {"AccountId": "001"})
    assert outcome.status == "Error"
    assert outcome.error_code == "UNKNOWN_EXCEPTION"
    assert outcome.current_element == "Calculate_Activity_Engagement_Score"
    assert "Action 'apex:ActivityEngagementScore' is not available in the embedded org" in str(outcome.error_message)
    assert "ActionRegistry.register('apex:ActivityEngagementScore'" in str(outcome.error_message)


def test_slack_channel_flow_runs_on_a_record_with_stubs(
    run: Callable[..., InterviewOutcome], store: RecordStore, actions: ActionRegistry
) -> None:
    calls: dict[str, dict[str, Any]] = {}
    actions.register("slackCreateChannel", lambda i: calls.setdefault("create", i) and {"slackChannelId": "C42"})
    actions.register("slackInviteUsersToChannel", lambda i: calls.setdefault("invite", i) and {})
    account = store.insert("Account", {"Name": "Big Wheel Bikes"})
    order = {"Name": "O-0001", "Account__c": account, "Delivery_Truck_Driver__c": "005A", "Account_Manager__c": "005C"}
    outputs_of(run("Create_Slack_Channel_For_Reseller_Order_Collaboration", record=order))
    # ChannelName = SUBSTITUTE(LOWER(Account__r.Name), ' ', '-') & '-order-' + LOWER(Name), Account__r followed by Id.
    assert calls["create"]["slackChannelName"] == "big-wheel-bikes-order-o-0001"
    assert calls["create"]["userIdForToken"] == store.admin_user_id
    # Three Add assignments; the Quality Specialist is empty, and adding a null adds nothing.
    assert calls["invite"]["userIdsToInvite"] == ["005A", "005C"]
    assert calls["invite"]["slackChannelId"] == "C42"


def test_screen_flows_pause_at_their_first_screen(run: Callable[..., InterviewOutcome]) -> None:
    outcome = run("Create_property")
    assert (outcome.status, outcome.current_element, outcome.pause_label) == ("Paused", "new_property", "New Property")
    outcome = run("createReservation", {"varRecordId": "003A", "varSobjectType": "Contact", "varState": "CA"})
    assert (outcome.status, outcome.current_element, outcome.pause_label) == (
        "Paused",
        "CustomerDetails",
        "Customer Details",
    )
    # varResLength has a default of 0; the other outputs are unset while the interview waits for a person.
    assert outcome.outputs == {
        "varMarket": None,
        "varNoOfGuests": None,
        "varReservationId": None,
        "varResLength": 0,
        "varStartDate": None,
    }


def test_duplicate_email_custom_error(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    store.insert("Contact", {"LastName": "First", "Email": "dup@example.com"})
    outcome = run("Duplicate_Email", record={"LastName": "Second", "Email": "dup@example.com"})
    assert outcome.status == "Error"
    assert outcome.error_code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert outcome.error_message == "This email is already available with a different contact"
    assert outputs_of(run("Duplicate_Email", record={"LastName": "Third", "Email": "new@example.com"})) == {}


def test_populate_vehicle_range_runs_before_save(run: Callable[..., InterviewOutcome]) -> None:
    outcome = run("Populate_Vehicle_Range", record={"Price__c": 15000})
    assert outcome.status == "Finished"
    # Decision -> Medium_Range -> one assignment: start, decision and assignment are the elements run.
    assert outcome.elements_executed == 2
