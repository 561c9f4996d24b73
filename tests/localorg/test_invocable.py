"""Invocable-action metadata: which flows are flow actions, and their describe, checked against the corpus listing."""

from __future__ import annotations

import re

import pytest

from salesforce_flow_mcp.localorg.flows.invocable import action_summary, describe_flow, is_invocable
from salesforce_flow_mcp.localorg.flows.model import Flow
from salesforce_flow_mcp.localorg.flows.parse.loader import demo_flows_dir, load_flow_dir, parse_flow
from tests.support import CORPUS  # a copy of the shared corpus; its SOURCES.md says from where

NOT_INVOCABLE_TRIGGERED = {
    "Duplicate_Email",
    "Create_Slack_Channel_For_Reseller_Order_Collaboration",
    "AIM_IncidentDetector",
    "Populate_Vehicle_Range",
    "Create_Error_Log_for_Experience_Cloud_Custom_Components",
    "Make_Recursive",
    "OCR_Flow",
    "Same_Record_Field_Updates",
    "Unconnected_Element_Async",
}
# processType Flow (screen flows; sendHTMLEmail_Test_... has no screen but is still of that type).
SCREEN_FLOWS = {
    "Create_property",
    "createReservation",
    "AIM_Stage_Flow_First_Response",
    "Copy_API_Name",
    "Copy_API_Name_Fixed",
    "DemoFlow_Clone_Collection",
    "DemoFlow_Map_Collection",
    "Duplicate_DML_Operation",
    "Duplicate_DML_Operation_Fixed",
    "Flow_OneView_Test_Elements",
    "Get_All_Elements_Flow",
    "Get_All_Elements_Flow_ALL_FIELDS",
    "Get_All_Elements_Flow_FieldVarRecord",
    "Get_All_Elements_Flow_IndividualVar",
    "Get_All_Elements_Flow_Salesforce_Do_The_rest",
    "HardcodedUrl",
    "Outdated_API_Version",
    "Outdated_API_Version_Fixed",
    "TestFlowAllElements",
    "Unsafe_Running_Context",
    "Unused_Variable",
    "Unused_Variable_Fixed",
    "sendHTMLEmail_Test_Create_Test_Templates_if_needed",
}
TYPE_NAMES = {
    "String": "STRING",
    "Number": "DOUBLE",
    "Currency": "CURRENCY",
    "Boolean": "BOOLEAN",
    "Date": "DATE",
    "DateTime": "DATETIME",
    "SObject": "SOBJECT",
}
PARAM = re.compile(r"`(\w+): (\w+)(?:<(\w+)>)?(?:\(scale \d+\))?(\[\])?`")


def _listed_interfaces() -> dict[str, dict[str, list[tuple[str, str, str | None, bool]]]]:
    """ApiName -> {"in": [...], "out": [...]} from SOURCES.md's "Interface of each flow" section."""
    text = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    section = text.split("## Interface of each flow", 1)[1].split("\n## ", 1)[0]
    result: dict[str, dict[str, list[tuple[str, str, str | None, bool]]]] = {}
    current = ""
    for line in section.splitlines():
        head = re.match(r"- \*\*\d+\. [^/]+/(\w+)\.flow-meta\.xml\*\*", line)
        if head:
            current = head.group(1)
            result[current] = {"in": [], "out": []}
            continue
        side = re.match(r"\s+- (in|out): (.*)", line)
        if side and current:
            for name, kind, of, many in PARAM.findall(side.group(2)):
                result[current][side.group(1)].append((name, kind, of or None, bool(many)))
    return result


@pytest.fixture(scope="module")
def corpus() -> dict[str, Flow]:
    return {flow.api_name: flow for flow in load_flow_dir(CORPUS)}


def test_which_corpus_flows_are_flow_actions(corpus: dict[str, Flow]) -> None:
    invocable = {name for name, flow in corpus.items() if is_invocable(flow)}
    assert len(corpus) == 89
    # SOURCES.md: 57 autolaunched flows without a trigger; record-triggered / platform-event flows are not actions,
    # and neither are screen flows (the Flow Actions resource invokes "an active autolaunched flow").
    assert len(invocable) == 57
    assert invocable.isdisjoint(NOT_INVOCABLE_TRIGGERED | SCREEN_FLOWS)
    assert invocable | NOT_INVOCABLE_TRIGGERED | SCREEN_FLOWS == set(corpus)


def test_describe_matches_the_listed_variables_of_every_invocable_flow(corpus: dict[str, Flow]) -> None:
    listed = _listed_interfaces()
    checked = 0
    for name, flow in corpus.items():
        if not is_invocable(flow):
            continue
        describe = describe_flow(flow, "59.0")
        for side, params in (("in", describe["inputs"]), ("out", describe["outputs"])):
            expected = sorted(listed[name][side])
            actual = []
            for param in params:
                if param["name"].startswith("Flow__"):
                    continue
                kind = "Apex" if param["type"] is None else next(k for k, v in TYPE_NAMES.items() if v == param["type"])
                of = param["apexClass"] if kind == "Apex" else param["sobjectType"]
                actual.append((param["name"], kind, of, param["maxOccurs"] > 1))
            assert sorted(actual) == expected, (name, side)
        checked += 1
    assert checked == 57


def test_describe_shape_of_a_corpus_flow(corpus: dict[str, Flow]) -> None:
    describe = describe_flow(corpus["Create_Booking"], "59.0")
    assert describe["name"] == "Create_Booking"
    assert describe["label"] == "Create Booking"
    assert describe["type"] == "FLOW"
    assert describe["standard"] is False
    assert describe["targetEntityName"] is None
    assert describe["description"].startswith("Create a Booking__c record")
    guests = next(p for p in describe["inputs"] if p["name"] == "numberOfGuests")
    assert guests == {
        "apexClass": None,
        "byteLength": 0,
        "description": "The number of guests that will be included in the booking.",
        "label": "numberOfGuests",
        "maxOccurs": 1,
        "name": "numberOfGuests",
        "picklistValues": None,
        "required": False,
        "sobjectType": None,
        "type": "DOUBLE",
    }
    booking = next(p for p in describe["outputs"] if p["name"] == "createdBooking")
    assert (booking["type"], booking["sobjectType"], booking["maxOccurs"]) == ("SOBJECT", "Booking__c", 1)
    assert "required" not in booking and "byteLength" not in booking
    status, guid = describe["outputs"][-2:]
    assert (status["name"], status["type"]) == ("Flow__InterviewStatus", "PICKLIST")
    assert (guid["name"], guid["type"]) == ("Flow__InterviewGuid", "STRING")


def test_apex_and_collection_parameters(corpus: dict[str, Flow]) -> None:
    describe = describe_flow(corpus["Webhook2Flow_Deploy_Test"], "59.0")
    by_name = {p["name"]: p for p in describe["inputs"]}
    assert (by_name["testApexDefinedList"]["type"], by_name["testApexDefinedList"]["apexClass"]) == (
        None,
        "webhook2flow_apexclass_test",
    )
    assert by_name["testApexDefinedList"]["maxOccurs"] == 2000
    assert (by_name["contactList"]["type"], by_name["contactList"]["sobjectType"]) == ("SOBJECT", "Contact")
    assert by_name["testDatetimeList"]["type"] == "DATETIME"
    assert by_name["testUnsupportedCurrency"]["type"] == "CURRENCY"
    # Variables that are neither input nor output (testCurrency) are not parameters.
    assert "testCurrency" not in by_name


def test_time_picklist_and_multipicklist_types() -> None:
    ns = "http://soap.sforce.com/2006/04/metadata"
    variables = "".join(
        f"<variables><name>v{t}</name><dataType>{t}</dataType><isCollection>false</isCollection>"
        f"<isInput>true</isInput><isOutput>false</isOutput></variables>"
        for t in ("Time", "Picklist", "Multipicklist")
    )
    xml = f'<Flow xmlns="{ns}"><label>T</label><processType>AutoLaunchedFlow</processType>{variables}</Flow>'
    describe = describe_flow(parse_flow(xml.encode(), "Typed"), "59.0")
    assert [p["type"] for p in describe["inputs"]] == ["TIME", "PICKLIST", "MULTIPICKLIST"]


def test_demo_flows_are_described() -> None:
    demos = {flow.api_name: flow for flow in load_flow_dir(demo_flows_dir())}
    invocable = sorted(name for name, flow in demos.items() if is_invocable(flow))
    # The screen flow is not a flow action; the draft is (which version to show is the org's business).
    assert invocable == [
        "Create_Account_Without_Name",
        "Create_Contact",
        "Quote_Discount_Calculator",
        "Route_Support_Case",
        "Schedule_Follow_Up",
        "Total_Order_Lines",
        "Welcome_Email_Draft",
    ]
    describe = describe_flow(demos["Quote_Discount_Calculator"], "59.0")
    types = {p["name"]: (p["type"], p["maxOccurs"], p["sobjectType"]) for p in describe["inputs"]}
    assert types == {
        "account": ("SOBJECT", 1, "Account"),
        "isPreferredCustomer": ("BOOLEAN", 1, None),
        "productCodes": ("STRING", 2000, None),
        "quantity": ("DOUBLE", 1, None),
        "quoteName": ("STRING", 1, None),
        "unitPrice": ("CURRENCY", 1, None),
        "validUntil": ("DATE", 1, None),
    }
    assert all(p["description"] for p in describe["inputs"] + describe["outputs"])


def test_action_summary() -> None:
    flow = next(f for f in load_flow_dir(demo_flows_dir()) if f.api_name == "Route_Support_Case")
    assert action_summary(flow, "59.0") == {
        "label": "Route Support Case",
        "name": "Route_Support_Case",
        "type": "FLOW",
        "url": "/services/data/v59.0/actions/custom/flow/Route_Support_Case",
    }
