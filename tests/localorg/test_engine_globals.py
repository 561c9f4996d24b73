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
from tests.localorg.flow_builders import assign, build, cond, decision, lit, outputs_of, ref, var


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
        decision("Route", [cond("first", "EqualTo", lit("booleanValue", "true"))], "Mark", "Check"),
        assign("Mark", [("out", "Assign", "<stringValue>marked</stringValue>")], then="Check"),
        decision("Check", [cond("Mark", "WasVisited", lit("booleanValue", "true"))], "Say_Seen", "Not_Seen"),
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


def test_user_role_is_the_running_users_role_record(store: RecordStore) -> None:
    """$UserRole (Help, "Flow Resource: Global Variables": the running user's role, such as the role name or ID):
    the UserRole record the running user's UserRoleId names; a user without a role reads null fields."""
    engine = FlowEngine(store, lambda name: None)
    role_id = store.insert("UserRole", {"Name": "VP Sales", "DeveloperName": "VP_Sales"})
    flow = build(*reader("$UserRole.Name", "$UserRole.DeveloperName", "$UserRole.Id"), start="Read")
    with_role = {"Id": "005000000000001AAA", "Username": "vp@example.com", "UserRoleId": role_id}
    assert outputs_of(engine.run(flow, {}, user=with_role)) == {"out0": "VP Sales", "out1": "VP_Sales", "out2": role_id}
    no_role = {"Id": "005000000000002AAA", "Username": "rep@example.com"}
    assert outputs_of(engine.run(flow, {}, user=no_role)) == {"out0": None, "out1": None, "out2": None}


CMDT_XML = (
    '<?xml version="1.0" encoding="UTF-8"?><CustomMetadata xmlns="http://soap.sforce.com/2006/04/metadata" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
    "<label>Gold tier</label><protected>false</protected>"
    '<values><field>Rate__c</field><value xsi:type="xsd:double">12.5</value></values>'
    '<values><field>Active__c</field><value xsi:type="xsd:boolean">true</value></values>'
    '<values><field>Code__c</field><value xsi:type="xsd:string">GOLD</value></values>'
    '<values><field>Starts__c</field><value xsi:type="xsd:date">2024-01-31</value></values>'
    '<values><field>Note__c</field><value xsi:nil="true"/></values></CustomMetadata>'
)


def test_custom_metadata_records_come_from_the_projects_files(tmp_path: Path) -> None:
    """$CustomMetadata.Type__mdt.Record.Field__c reads a custom metadata record. Metadata API CustomMetadata
    (https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_custommetadata.htm): records live in
    the customMetadata folder, named by the type without __mdt, a dot and the record name; `values` hold `field`
    and a `value` typed by xsi:type, which "can be null" (xsi:nil). A formula reads it too; names are
    case-insensitive. A broken record file is skipped."""
    from salesforce_flow_mcp.localorg.store.state import OrgState

    folder = tmp_path / "customMetadata"
    folder.mkdir()
    (folder / "Discount_Tier.Gold.md-meta.xml").write_text(CMDT_XML, encoding="utf-8")
    (folder / "Discount_Tier.Broken.md-meta.xml").write_text("<CustomMetadata><values>", encoding="utf-8")
    head = "$CustomMetadata.Discount_Tier__mdt.Gold"
    flow = build(
        var("rate", "Number", out=True, scale=2),
        var("doubled", "Number", out=True, scale=2),
        var("active", "Boolean", out=True),
        var("starts", "Date", out=True),
        *(var(name, "String", out=True) for name in ("code", "note", "label")),
        "<formulas><name>twice</name><dataType>Number</dataType><scale>2</scale>"
        f"<expression>{{!{head}.Rate__c}} * 2</expression></formulas>",
        assign(
            "Read",
            [
                ("rate", "Assign", ref(f"{head}.Rate__c")),
                ("doubled", "Assign", ref("twice")),
                ("active", "Assign", ref(f"{head}.Active__c")),
                ("starts", "Assign", ref(f"{head}.Starts__c")),
                ("code", "Assign", ref("$CustomMetadata.discount_tier__MDT.gold.Code__c")),
                ("note", "Assign", ref(f"{head}.Note__c")),
                ("label", "Assign", ref(f"{head}.MasterLabel")),
            ],
        ),
        start="Read",
        name="Read_Tier",
    )
    state = OrgState.create(":memory:", tmp_path)
    try:
        [result] = state.invoke(state.add_flow(flow, activate=True), [{}])
    finally:
        state.close()
    assert result.outcome.outputs == {
        "rate": 12.5,
        "doubled": 25.0,
        "active": True,
        "starts": "2024-01-31",
        "code": "GOLD",
        "note": None,
        "label": "Gold tier",
    }


def test_custom_metadata_given_in_process_and_an_unknown_record(store: RecordStore) -> None:
    """configure_org(custom_metadata=...) adds records; a reference to a record the org does not have stops the
    interview naming the record and how to add it (Salesforce would not save a flow referencing one)."""
    engine = FlowEngine(store, lambda name: None)
    engine.configure_org(custom_metadata={"Region__mdt": {"EMEA": {"MasterLabel": "Europe", "Currency__c": "EUR"}}})
    flow = build(
        *reader("$CustomMetadata.Region__mdt.EMEA.Currency__c", "$CustomMetadata.Region__mdt.EMEA.Label"), start="Read"
    )
    assert outputs_of(engine.run(flow, {})) == {"out0": "EUR", "out1": "Europe"}
    missing = engine.run(build(*reader("$CustomMetadata.Region__mdt.APAC.Currency__c"), start="Read"), {})
    assert missing.status == "Error"
    assert "The custom metadata record Region__mdt.APAC is not in the embedded org" in str(missing.error_message)
    assert "customMetadata/Region.APAC.md-meta.xml" in str(missing.error_message)


def _stage(name: str, order: int, active: bool) -> str:
    return (
        f"<stages><name>{name}</name><isActive>{str(active).lower()}</isActive><label>{name}</label>"
        f"<stageOrder>{order}</stageOrder></stages>"
    )


def _read_stages(when: str) -> list[tuple[str, str, str]]:
    """Copy both stage globals into the outputs <when>Active and <when>Current."""
    return [
        (f"{when}Active", "Assign", ref("$Flow.ActiveStages")),
        (f"{when}Current", "Assign", ref("$Flow.CurrentStage")),
    ]


# Billing joins the active stages and becomes the current one; Review_Cart leaves.
MOVES = [
    ("$Flow.ActiveStages", "Add", ref("Billing")),
    ("$Flow.ActiveStages", "RemoveFirst", ref("Review_Cart")),
    ("$Flow.CurrentStage", "Assign", ref("Billing")),
]


def test_stages_start_active_and_assignments_move_them(store: RecordStore) -> None:
    """Metadata API FlowStage: "When an interview starts, any stages where isActive is true are added to the
    $Flow.ActiveStages global variable ... Each stage's stageOrder determines the order they're added in. The stage
    with the lowest stageOrder is assigned to the $Flow.CurrentStage global variable" (read as the lowest of those
    added: Help, "Flow Resource: Stage", says the current stage must be one of the active stages). A stage reads as
    its qualified name flowName:stageName; Add and RemoveFirst change $Flow.ActiveStages (FlowAssignmentOperator:
    "or the $Flow.ActiveStages global variable") and Assign sets $Flow.CurrentStage."""
    engine = FlowEngine(store, lambda name: None)
    flow = build(
        _stage("Shipping", 20, True),
        _stage("Review_Cart", 10, True),
        _stage("Billing", 15, False),
        _stage("Payment", 5, False),
        *(var(f"{when}Active", "String", out=True, many=True) for when in ("start", "end")),
        *(var(f"{when}Current", "String", out=True) for when in ("start", "end")),
        assign("Move", [*_read_stages("start"), *MOVES, *_read_stages("end")]),
        start="Move",
        name="Checkout",
    )
    assert outputs_of(engine.run(flow, {})) == {
        "startActive": ["Checkout:Review_Cart", "Checkout:Shipping"],
        "startCurrent": "Checkout:Review_Cart",
        "endActive": ["Checkout:Shipping", "Checkout:Billing"],
        "endCurrent": "Checkout:Billing",
    }
