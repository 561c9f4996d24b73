"""Global variables answered from the org's configuration: $Label, $Permission, $Organization, $Setup, $User.

Salesforce Help, "Global Variables" in flows (https://help.salesforce.com/s/articleView?id=platform.flow_ref_resources_global_variables.htm):
$Label is a custom label's value; $Permission is true when the running user has the custom permission; $Organization
the org's fields; $Setup a hierarchy custom setting's value for the running user (their own record, else their
profile's, else the organization default: Help, "Hierarchy Custom Settings"); $User the running user.
"""

from __future__ import annotations

from pathlib import Path

from salesforce_flow_mcp.localorg.flows.engine.flow_engine import FlowEngine
from salesforce_flow_mcp.localorg.flows.engine.merge_globals import ORG_ID
from salesforce_flow_mcp.localorg.store.records import RecordStore
from tests.localorg.flow_builders import assign, build, outputs_of, ref, var


def reader(*references: str) -> list[str]:
    parts = [var(f"out{i}", "String", out=True) for i, _ in enumerate(references)]
    parts.append(assign("Read", [(f"out{i}", "Assign", ref(r)) for i, r in enumerate(references)]))
    return parts


def test_label_permission_and_organization_come_from_the_org(store: RecordStore) -> None:
    engine = FlowEngine(store, lambda name: None)
    engine.configure_org(
        labels={"Welcome_Text": "Welcome aboard"},
        permissions={"Approve_Discounts"},
        organization={"Name": "Acme Inc.", "Country": "France"},
    )
    flow = build(
        *reader(
            "$Label.Welcome_Text",
            "$Label.Not_Defined",
            "$Permission.Approve_Discounts",
            "$Permission.Delete_Everything",
            "$Organization.Name",
            "$Organization.Country",
            "$Organization.Id",
        ),
        start="Read",
    )
    assert list(outputs_of(engine.run(flow, {})).values()) == [
        "Welcome aboard",
        "Not_Defined",  # a label the org does not define reads as its own name
        "true",
        "false",
        "Acme Inc.",
        "France",
        ORG_ID,
    ]


def test_setup_reads_the_users_then_profiles_then_org_default_custom_setting(store: RecordStore) -> None:
    engine = FlowEngine(store, lambda name: None)
    store.insert("Limits_Setting__c", {"SetupOwnerId": ORG_ID, "Max_Discount__c": 10})
    profile = "00e5g000000PROFAAA"
    flow = build(
        var("out", "Number", out=True, scale=0),
        assign("Read", [("out", "Assign", ref("$Setup.Limits_Setting__c.Max_Discount__c"))]),
        start="Read",
    )
    user = {"Id": store.admin_user_id, "ProfileId": profile}
    assert outputs_of(engine.run(flow, {}, user=user)) == {"out": 10}  # the organization default
    store.insert("Limits_Setting__c", {"SetupOwnerId": profile, "Max_Discount__c": 20})
    assert outputs_of(engine.run(flow, {}, user=user)) == {"out": 20}  # the profile's value wins over the org's
    store.insert("Limits_Setting__c", {"SetupOwnerId": store.admin_user_id, "Max_Discount__c": 30})
    assert outputs_of(engine.run(flow, {}, user=user)) == {"out": 30}  # the user's own value wins over both
    none = build(
        var("out", "Number", out=True), assign("Read", [("out", "Assign", ref("$Setup.Nothing__c.X__c"))]), start="Read"
    )
    assert outputs_of(engine.run(none, {})) == {"out": None}


def test_user_is_the_running_user(store: RecordStore) -> None:
    engine = FlowEngine(store, lambda name: None)
    flow = build(*reader("$User.Username", "$User.Id"), start="Read")
    outputs = outputs_of(engine.run(flow, {}))
    assert outputs == {"out0": "admin@embedded-org.localhost", "out1": store.admin_user_id}


def test_was_visited_asks_whether_an_element_ran(store: RecordStore) -> None:
    """WasVisited (Metadata API FlowComparisonOperator): true once the element named on the left has run in this
    interview."""
    engine = FlowEngine(store, lambda name: None)
    flow = build(
        var("first", "Boolean", inp=True),
        var("out", "String", out=True),
        "<decisions><name>Route</name><label>Route</label><defaultConnector><targetReference>Check</targetReference>"
        "</defaultConnector><rules><name>Go_First</name><conditionLogic>and</conditionLogic><conditions>"
        "<leftValueReference>first</leftValueReference><operator>EqualTo</operator><rightValue><booleanValue>true"
        "</booleanValue></rightValue></conditions><connector><targetReference>Mark</targetReference></connector>"
        "<label>First</label></rules></decisions>",
        assign("Mark", [("out", "Assign", "<stringValue>marked</stringValue>")], then="Check"),
        "<decisions><name>Check</name><label>Check</label><defaultConnector><targetReference>Not_Seen</targetReference>"
        "</defaultConnector><rules><name>Seen</name><conditionLogic>and</conditionLogic><conditions>"
        "<leftValueReference>Mark</leftValueReference><operator>WasVisited</operator><rightValue><booleanValue>true"
        "</booleanValue></rightValue></conditions><connector><targetReference>Say_Seen</targetReference></connector>"
        "<label>Seen</label></rules></decisions>",
        assign("Say_Seen", [("out", "Add", "<stringValue>+seen</stringValue>")]),
        assign("Not_Seen", [("out", "Assign", "<stringValue>not seen</stringValue>")]),
        start="Route",
    )
    assert outputs_of(engine.run(flow, {"first": True})) == {"out": "marked+seen"}
    assert outputs_of(engine.run(flow, {"first": False})) == {"out": "not seen"}


def test_org_reads_custom_labels_next_to_its_flows(tmp_path: Path) -> None:
    """A retrieved project keeps CustomLabels.labels-meta.xml (Metadata API CustomLabels: <labels> with fullName and
    value) beside its flows; $Label answers from it in the org. A broken labels file is skipped."""
    from salesforce_flow_mcp.localorg.store.state import OrgState

    (tmp_path / "flows").mkdir()
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "CustomLabels.labels-meta.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><CustomLabels xmlns="http://soap.sforce.com/2006/04/metadata">'
        "<labels><fullName>Greeting</fullName><language>en_US</language><protected>false</protected>"
        "<shortDescription>Greeting</shortDescription><value>Hello from the label</value></labels></CustomLabels>",
        encoding="utf-8",
    )
    (tmp_path / "labels" / "Broken.labels-meta.xml").write_text("<CustomLabels><labels>", encoding="utf-8")
    flow = build(*reader("$Label.Greeting"), start="Read", name="Read_Label")
    state = OrgState.create(":memory:", tmp_path)
    try:
        version = state.add_flow(flow, activate=True)
        [result] = state.invoke(version, [{}])
    finally:
        state.close()
    assert result.outcome.outputs == {"out0": "Hello from the label"}
