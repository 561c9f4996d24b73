"""The shipped demo flows run and give the outputs their descriptions promise."""

from __future__ import annotations

from typing import Any

import pytest

from salesforce_flow_mcp.localorg.flows.engine.flow_engine import FlowEngine, InterviewOutcome
from salesforce_flow_mcp.localorg.flows.model import Flow
from salesforce_flow_mcp.localorg.flows.parse.loader import demo_flows_dir, load_flow_dir
from salesforce_flow_mcp.localorg.store.records import RecordStore


@pytest.fixture(scope="module")
def demos() -> dict[str, Flow]:
    return {flow.api_name: flow for flow in load_flow_dir(demo_flows_dir())}


@pytest.fixture
def engine(store: RecordStore, demos: dict[str, Flow]) -> FlowEngine:
    return FlowEngine(store, demos.get)


def run(engine: FlowEngine, demos: dict[str, Flow], name: str, inputs: dict[str, Any]) -> InterviewOutcome:
    return engine.run(demos[name], inputs)


def finished(outcome: InterviewOutcome) -> dict[str, Any]:
    assert outcome.status == "Finished", (outcome.error_code, outcome.error_message)
    return outcome.outputs


def test_quote_discount_calculator(engine: FlowEngine, demos: dict[str, Flow]) -> None:
    inputs = {
        "quoteName": "Q-1001",
        "quantity": 10,
        "unitPrice": 25,
        "isPreferredCustomer": True,
        "validUntil": "2024-12-31",
        "productCodes": ["BIKE-1", "HELMET-2"],
        "account": {"attributes": {"type": "Account"}, "Name": "Acme Corp"},
    }
    assert finished(run(engine, demos, "Quote_Discount_Calculator", inputs)) == {
        "discountedTotal": 225.0,
        "discountPercent": 10.0,
        "isDiscounted": True,
        "productCount": 2,
        "quoteLabel": "Q-1001 for Acme Corp (2 products, valid until 2024-12-31)",
    }
    # 150 units, not preferred: 5% volume discount on 375.00.
    volume = finished(
        run(engine, demos, "Quote_Discount_Calculator", {"quoteName": "Q-7", "quantity": 150, "unitPrice": 2.5})
    )
    assert (volume["discountedTotal"], volume["discountPercent"], volume["isDiscounted"]) == (356.25, 5.0, True)
    assert volume["quoteLabel"] == "Q-7 for an unnamed account (0 products, valid until )"
    plain = finished(
        run(engine, demos, "Quote_Discount_Calculator", {"quoteName": "Q-8", "quantity": 1, "unitPrice": 9.99})
    )
    assert (plain["discountedTotal"], plain["isDiscounted"]) == (9.99, False)


@pytest.mark.parametrize(
    ("inputs", "queue", "sla", "escalated"),
    [
        ({"priority": "Critical", "subject": "Down"}, "Tier 3 Escalations", 4, True),
        ({"priority": "High", "subject": "Login", "isVipCustomer": True}, "Tier 3 Escalations", 4, True),
        ({"priority": "Low", "subject": "Partial outage in EU"}, "Tier 3 Escalations", 4, True),
        ({"priority": "High", "subject": "Login"}, "Tier 2 Support", 8, False),
        ({"priority": "Medium", "subject": "Question"}, "Tier 1 Support", 24, False),
    ],
)
def test_route_support_case(
    engine: FlowEngine, demos: dict[str, Flow], inputs: dict[str, Any], queue: str, sla: int, escalated: bool
) -> None:
    assert finished(run(engine, demos, "Route_Support_Case", inputs)) == {
        "assignedQueue": queue,
        "slaHours": sla,
        "escalated": escalated,
    }


def test_create_account_without_name_faults(engine: FlowEngine, demos: dict[str, Flow], store: RecordStore) -> None:
    outcome = run(engine, demos, "Create_Account_Without_Name", {"industry": "Technology"})
    assert outcome.status == "Error"
    assert outcome.error_code == "UNKNOWN_EXCEPTION"
    assert outcome.current_element == "Create_Nameless_Account"
    assert "REQUIRED_FIELD_MISSING: Required fields are missing: [Name]" in str(outcome.error_message)
    assert outcome.outputs == {"accountId": None}
    assert store.rows("Account") == []


def test_customer_onboarding_pauses_at_the_welcome_screen(engine: FlowEngine, demos: dict[str, Flow]) -> None:
    outcome = run(engine, demos, "Customer_Onboarding_Screens", {"customerName": "Ada"})
    assert (outcome.status, outcome.current_element, outcome.pause_label) == ("Paused", "Welcome_Screen", "Welcome")
    assert outcome.outputs == {"contactId": None, "greeting": "Welcome aboard, Ada!"}


def test_create_contact(engine: FlowEngine, demos: dict[str, Flow], store: RecordStore) -> None:
    account = store.insert("Account", {"Name": "Analytical Engines"})
    inputs = {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com", "accountId": account}
    outputs = finished(run(engine, demos, "Create_Contact", inputs))
    assert outputs["success"] is True and outputs["errorMessage"] is None
    assert outputs["contactId"].startswith("003") and len(outputs["contactId"]) == 18
    contact = store.get("Contact", outputs["contactId"])
    assert contact is not None
    assert (contact["Name"], contact["Email"], contact["AccountId"], contact["LeadSource"]) == (
        "Ada Lovelace",
        "ada@example.com",
        account,
        "Web",
    )
    failed = finished(run(engine, demos, "Create_Contact", {"firstName": "Nameless"}))
    assert (failed["success"], failed["contactId"]) == (False, None)
    assert "REQUIRED_FIELD_MISSING: Required fields are missing: [LastName]" in failed["errorMessage"]


def test_welcome_email_draft(engine: FlowEngine, demos: dict[str, Flow]) -> None:
    assert demos["Welcome_Email_Draft"].status == "Draft"
    inputs = {"recipientEmail": "ada@example.com", "recipientName": "Ada"}
    assert finished(run(engine, demos, "Welcome_Email_Draft", inputs)) == {
        "emailSent": True,
        "emailBody": "Hi Ada, thanks for joining us. Your account is ready.",
    }


def test_total_order_lines(engine: FlowEngine, demos: dict[str, Flow]) -> None:
    inputs = {"lineAmounts": [120, 30.5, 99.5], "taxRatePercent": 10}
    assert finished(run(engine, demos, "Total_Order_Lines", inputs)) == {
        "subtotal": 250.0,
        "total": 275.0,
        "lineCount": 3,
        "largeLineCount": 1,
    }
    assert finished(run(engine, demos, "Total_Order_Lines", {})) == {
        "subtotal": 0.0,
        "total": 0.0,
        "lineCount": 0,
        "largeLineCount": 0,
    }


def test_schedule_follow_up_pauses_at_its_wait(engine: FlowEngine, demos: dict[str, Flow]) -> None:
    outcome = run(engine, demos, "Schedule_Follow_Up", {"subject": "Call Acme"})
    # The label is set before the Wait; the reminder is only due after it, so it keeps its default.
    assert (outcome.status, outcome.current_element) == ("Paused", "Wait_Two_Days")
    assert outcome.outputs == {"followUpLabel": "Follow up: Call Acme", "reminderDue": False}
    blank = run(engine, demos, "Schedule_Follow_Up", {})
    assert blank.outputs["followUpLabel"] == "Follow up: (no subject)"  # BLANKVALUE on a null subject
