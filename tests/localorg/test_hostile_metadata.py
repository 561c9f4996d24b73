"""Untrusted flow files: entity expansion, external entities, oversized files and runaway flows end promptly with
clear errors, and the process keeps going."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from salesforce_flow_mcp.localorg.flows.engine.flow_engine import FlowEngine
from salesforce_flow_mcp.localorg.flows.parse.loader import MAX_FLOW_BYTES, FlowLoadError, load_flow_file, parse_flow
from salesforce_flow_mcp.localorg.store.records import RecordStore

NS = "http://soap.sforce.com/2006/04/metadata"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Flow [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Flow xmlns="http://soap.sforce.com/2006/04/metadata"><label>&lol9;</label></Flow>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Flow [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<Flow xmlns="http://soap.sforce.com/2006/04/metadata"><label>&secret;</label></Flow>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Flow SYSTEM "http://127.0.0.1:9/evil.dtd">
<Flow xmlns="http://soap.sforce.com/2006/04/metadata"><label>x</label></Flow>"""


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(FlowLoadError, match="refused"):
        parse_flow(BILLION_LAUGHS, "Laughs")


def test_external_entity_is_refused() -> None:
    with pytest.raises(FlowLoadError, match="refused"):
        parse_flow(EXTERNAL_ENTITY, "Leak")


def test_external_dtd_is_refused() -> None:
    with pytest.raises(FlowLoadError, match="DTD"):
        parse_flow(EXTERNAL_DTD, "Dtd")


def test_oversized_bytes_are_refused_before_parsing() -> None:
    data = b"<Flow>" + b" " * MAX_FLOW_BYTES + b"</Flow>"
    with pytest.raises(FlowLoadError, match=f"up to {MAX_FLOW_BYTES} bytes"):
        parse_flow(data, "Huge")


def test_a_100_mb_file_is_refused_from_its_size(tmp_path: Path) -> None:
    path = tmp_path / "Huge.flow-meta.xml"
    with path.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: takes no disk space, would take 100 MB to read
    with pytest.raises(FlowLoadError, match="104857600 bytes"):
        load_flow_file(path)


def test_deep_nesting_inside_a_property_is_harmless() -> None:
    depth = 50_000
    junk = "<x>" * depth + "</x>" * depth
    data = f'<Flow xmlns="{NS}"><label>Deep</label><customProperties>{junk}</customProperties></Flow>'.encode()
    assert parse_flow(data, "Deep").label == "Deep"


def _engine() -> FlowEngine:
    return FlowEngine(RecordStore(sqlite3.connect(":memory:")), lambda name: None)


def test_a_flow_that_loops_forever_stops_at_the_infinite_loop_guard() -> None:
    """Salesforce no longer limits executed elements (the 2,000-element limit is gone; Help, "Per-Transaction Flow
    Limits" lists none), so a flow that never ends meets the embedded org's own infinite-loop guard, which says so."""
    data = f"""<Flow xmlns="{NS}"><label>Forever</label><processType>AutoLaunchedFlow</processType>
        <start><connector><targetReference>Ping</targetReference></connector></start>
        <assignments><name>Ping</name><label>Ping</label>
            <assignmentItems><assignToReference>n</assignToReference><operator>Add</operator>
            <value><numberValue>1</numberValue></value></assignmentItems>
            <connector><targetReference>Pong</targetReference></connector></assignments>
        <decisions><name>Pong</name><label>Pong</label>
            <defaultConnector><targetReference>Ping</targetReference></defaultConnector></decisions>
        <variables><name>n</name><dataType>Number</dataType><isOutput>true</isOutput><scale>0</scale></variables>
        </Flow>""".encode()
    outcome = FlowEngine(RecordStore(sqlite3.connect(":memory:")), lambda name: None, loop_guard=5000).run(
        parse_flow(data, "Forever"), {}
    )
    assert outcome.status == "Error"
    assert outcome.error_code == "UNKNOWN_EXCEPTION"
    assert "Infinite-loop guard: the interview executed more than 5000 elements" in str(outcome.error_message)
    assert "not a Salesforce limit" in str(outcome.error_message)
    assert outcome.elements_executed == 5001
    assert outcome.outputs == {"n": 2500}


def test_a_flow_that_calls_itself_stops() -> None:
    data = f"""<Flow xmlns="{NS}"><label>Again</label><processType>AutoLaunchedFlow</processType>
        <start><connector><targetReference>Again</targetReference></connector></start>
        <subflows><name>Again</name><label>Again</label><flowName>Recursive</flowName></subflows></Flow>""".encode()
    recursive = parse_flow(data, "Recursive")
    engine = FlowEngine(RecordStore(sqlite3.connect(":memory:")), lambda name: recursive)
    outcome = engine.run(recursive, {})
    assert outcome.status == "Error"
    assert "Subflows nest deeper than" in str(outcome.error_message)


def test_pathological_condition_logic_and_self_referencing_formulas_error_cleanly() -> None:
    logic = "(" * 5000 + "1" + ")" * 5000
    data = f"""<Flow xmlns="{NS}"><label>Odd</label><processType>AutoLaunchedFlow</processType>
        <start><connector><targetReference>Check</targetReference></connector></start>
        <decisions><name>Check</name><label>Check</label><rules><name>R</name><conditionLogic>{logic[:900]}</conditionLogic>
            <conditions><leftValueReference>loop</leftValueReference><operator>IsNull</operator>
            <rightValue><booleanValue>true</booleanValue></rightValue></conditions></rules></decisions>
        <formulas><name>loop</name><dataType>Number</dataType><expression>{{!loop}} + 1</expression></formulas>
        </Flow>""".encode()
    outcome = _engine().run(parse_flow(data, "Odd"), {})
    assert outcome.status == "Error"
    assert "refers to itself" in str(outcome.error_message) or "nested too deeply" in str(outcome.error_message)
