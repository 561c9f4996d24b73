"""Loading Flow metadata: the whole corpus, the demo flows, and clear errors for files that are not valid flows."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from salesforce_flow_mcp.localorg.flows.model import ActionCall, Decision, Loop, RecordLookup, Subflow
from salesforce_flow_mcp.localorg.flows.parse.loader import (
    FlowLoadError,
    demo_flows_dir,
    load_flow_dir,
    load_flow_file,
    parse_flow,
)
from tests.support import CORPUS  # a copy of the shared corpus; its SOURCES.md says from where

NS = "http://soap.sforce.com/2006/04/metadata"


def flow(body: str, *, root: str = f'<Flow xmlns="{NS}">') -> bytes:
    return f"<?xml version='1.0' encoding='UTF-8'?>{root}<label>T</label>{body}</Flow>".encode()


def test_every_corpus_file_loads() -> None:
    files = sorted(CORPUS.rglob("*.flow-meta.xml"))
    assert len(files) == 89
    flows = [load_flow_file(path) for path in files]
    assert all(f.unsupported == () for f in flows)
    assert {f.api_name for f in flows} == {p.name.removesuffix(".flow-meta.xml") for p in files}


def test_corpus_element_tallies_match_sources() -> None:
    flows = load_flow_dir(CORPUS)
    totals: dict[str, int] = {}
    for f in flows:
        for kind, count in f.element_counts.items():
            totals[kind] = totals.get(kind, 0) + count
    # "total elements" column of SOURCES.md's element-kind tally.
    text = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    for kind, count in re.findall(r"^\| (\w+) \| \d+ \| \d+ \| (\d+) \|$", text, re.MULTILINE):
        if kind in ("formulas", "constants", "choices", "textTemplates", "dynamicChoiceSets"):
            continue
        assert totals.get(kind, 0) == int(count), kind
    resources = {
        "formulas": sum(len(f.formulas) for f in flows),
        "constants": sum(len(f.constants) for f in flows),
        "choices": sum(len(f.choices) for f in flows),
        "textTemplates": sum(len(f.text_templates) for f in flows),
        "dynamicChoiceSets": sum(len(f.dynamic_choice_sets) for f in flows),
    }
    assert resources == {"formulas": 20, "constants": 12, "choices": 13, "textTemplates": 5, "dynamicChoiceSets": 1}


def test_corpus_details_are_parsed() -> None:
    flows = {f.api_name: f for f in load_flow_dir(CORPUS)}
    detector = flows["AIM_IncidentDetector"]
    assert (detector.trigger_type, detector.trigger_object, detector.process_type) == (
        "RecordAfterSave",
        "Case",
        "AutoLaunchedFlow",
    )
    lookup = detector.elements["Get_Open_Incidents"]
    assert isinstance(lookup, RecordLookup)
    assert (lookup.sort_field, lookup.sort_order, lookup.assign_null_if_none) == ("CreatedDate", "Desc", True)
    assert [(o.name, o.target) for o in lookup.output_assignments] == [("Id", "incidentId")]
    assert [f.operator for f in lookup.filters] == ["In", "NotEqualTo", "NotEqualTo"]
    decision = detector.elements["Are_Related_Incidents_Found"]
    assert isinstance(decision, Decision) and decision.default_connector == "Remove_duplicate_Case_Id_collection"
    action = detector.elements["Get_Case_Ids"]
    assert isinstance(action, ActionCall)
    assert (action.action_type, action.action_name) == ("apex", "AIMExtractStringsFromRecordsAction")
    assert [o.target for o in action.output_parameters] == ["caseIds"]
    slack = flows["Create_Slack_Channel_For_Reseller_Order_Collaboration"]
    assert slack.start.connector is None and slack.start.scheduled_path_connectors == ("Create_Slack_Channel",)
    stage = flows["AIM_Stage_Flow_First_Response"]
    subflow = stage.elements["Get_Impacted_Customers"]
    assert isinstance(subflow, Subflow) and subflow.flow_name == "Retrieve_Impacted_Accounts_and_Contacts_Flow"
    assert stage.elements["Delete_Case_Related_Issues"].fault_connector == "Assign_Exception"
    loop = flows["GetRecommendations"].elements["Loop_Products"]
    assert isinstance(loop, Loop) and (loop.collection, loop.descending) == ("Get_Products", False)
    assert flows["Schedule_Recs"].status == "Draft"
    assert flows["Send_Verification_Code"].description == "Sends a verification code to the user to authenticate them."


def test_demo_flows_are_real_metadata() -> None:
    files = sorted(demo_flows_dir().glob("*.flow-meta.xml"))
    assert len(files) >= 7
    for path in files:
        data = path.read_bytes()
        assert f'xmlns="{NS}"'.encode() in data
        loaded = load_flow_file(path)
        assert loaded.api_version == "59.0"
        assert loaded.description and len(loaded.description) > 40
        assert loaded.unsupported == ()
    statuses = {f.api_name: f.status for f in load_flow_dir(demo_flows_dir())}
    assert statuses["Welcome_Email_Draft"] == "Draft"
    assert sum(1 for s in statuses.values() if s == "Active") == len(statuses) - 1


def test_unsupported_elements_are_listed() -> None:
    body = (
        "<processType>AutoLaunchedFlow</processType>"
        "<steps><name>Undo</name><label>Undo</label></steps>"
        "<collectionProcessors><name>Recommend</name><label>R</label>"
        "<collectionProcessorType>FutureCollectionProcessor</collectionProcessorType>"
        "<collectionReference>x</collectionReference></collectionProcessors>"
        "<futureThing><name>Something_New</name><label>S</label></futureThing>"
    )
    loaded = parse_flow(flow(body), "Odd")
    assert loaded.unsupported == ("steps:Undo", "collectionProcessors:Recommend", "futureThing:Something_New")


def test_defaults_and_legacy_start() -> None:
    body = (
        "<startElementReference>Only</startElementReference>"
        "<assignments><name>Only</name><label>Only</label></assignments>"
    )
    loaded = parse_flow(flow(body), "Legacy")
    # No processType / status in the file: Salesforce's defaults (Flow, Draft).
    assert (loaded.process_type, loaded.status, loaded.start.connector) == ("Flow", "Draft", "Only")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not xml at all", "not well-formed XML"),
        (b"<Flow xmlns='urn:other'><label>x</label></Flow>", "root element must be <Flow"),
        (flow("<assignments><label>no name</label><name></name></assignments>"), "missing <name>"),
        (
            flow("<assignments><name>A</name><label>A</label></assignments><decisions><name>A</name></decisions>"),
            "two elements are named 'A'",
        ),
        (
            flow(
                "<assignments><name>A</name><connector><targetReference>Nowhere</targetReference></connector>"
                "</assignments>"
            ),
            "connects to 'Nowhere', which is not an element",
        ),
        (flow("<variables><name>v</name></variables>"), "variable 'v': missing <dataType>"),
        (
            flow("<variables><name>v</name><dataType>String</dataType><scale>two</scale></variables>"),
            "must be a number",
        ),
        (flow("<loops><name>L</name><label>L</label></loops>"), "loops 'L': missing <collectionReference>"),
    ],
)
def test_invalid_flows_give_clear_errors(data: bytes, message: str) -> None:
    with pytest.raises(FlowLoadError, match=re.escape(message)):
        parse_flow(data, "Bad_Flow")


def test_bad_api_name_is_refused() -> None:
    with pytest.raises(FlowLoadError, match="not a valid flow API name"):
        parse_flow(flow(""), "../etc/passwd")


def test_load_flow_dir_skips_and_logs_bad_files(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "Good.flow-meta.xml").write_bytes(flow("<processType>AutoLaunchedFlow</processType>"))
    (tmp_path / "Broken.flow-meta.xml").write_bytes(b"<Flow")
    (tmp_path / "ignored.txt").write_text("not a flow")
    with caplog.at_level(logging.WARNING):
        loaded = load_flow_dir(tmp_path)
    assert [f.api_name for f in loaded] == ["Good"]
    assert "Broken.flow-meta.xml" in caplog.text


def test_missing_file_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(FlowLoadError, match="Cannot read flow file"):
        load_flow_file(tmp_path / "Nope.flow-meta.xml")
