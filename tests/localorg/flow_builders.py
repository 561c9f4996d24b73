"""Small flows written as real Flow metadata (Metadata API `Flow` type) for the engine tests: variables, references
and literals, connectors, assignments, decisions, loops; `build` parses them with the org's own loader."""

from __future__ import annotations

import datetime as dt
from typing import Any

from salesforce_flow_mcp.localorg.flows.engine.flow_engine import InterviewOutcome
from salesforce_flow_mcp.localorg.flows.model import Flow
from salesforce_flow_mcp.localorg.flows.parse.loader import parse_flow

NS = "http://soap.sforce.com/2006/04/metadata"
NOW = dt.datetime(2024, 2, 29, 23, 45, 0, tzinfo=dt.UTC)


def var(
    name: str,
    data_type: str,
    *,
    inp: bool = False,
    out: bool = False,
    many: bool = False,
    obj: str | None = None,
    scale: int | None = None,
    default: str = "",
) -> str:
    extra = f"<objectType>{obj}</objectType>" if obj else ""
    extra += f"<scale>{scale}</scale>" if scale is not None else ""
    extra += f"<value>{default}</value>" if default else ""
    return (
        f"<variables><name>{name}</name><dataType>{data_type}</dataType><isCollection>{str(many).lower()}"
        f"</isCollection><isInput>{str(inp).lower()}</isInput><isOutput>{str(out).lower()}</isOutput>{extra}"
        "</variables>"
    )


def ref(name: str) -> str:
    return f"<elementReference>{name}</elementReference>"


def lit(kind: str, text: str) -> str:
    return f"<{kind}>{text}</{kind}>"


def connector(target: str | None, tag: str = "connector") -> str:
    return f"<{tag}><targetReference>{target}</targetReference></{tag}>" if target else ""


def assignment_items(items: list[tuple[str, str, str]]) -> str:
    """<assignmentItems> of (target reference, operator, value XML) triples."""
    return "".join(
        f"<assignmentItems><assignToReference>{target}</assignToReference><operator>{op}</operator>"
        + (f"<value>{value}</value>" if value else "")
        + "</assignmentItems>"
        for target, op, value in items
    )


def assign(name: str, items: list[tuple[str, str, str]], then: str | None = None) -> str:
    return (
        f"<assignments><name>{name}</name><label>{name}</label>{assignment_items(items)}{connector(then)}</assignments>"
    )


def cond(left: str, op: str, right: str = "") -> str:
    right_xml = f"<rightValue>{right}</rightValue>" if right else ""
    return (
        f"<conditions><leftValueReference>{left}</leftValueReference><operator>{op}</operator>{right_xml}</conditions>"
    )


def decision(name: str, conditions: list[str], yes: str | None, no: str | None, logic: str = "and") -> str:
    return (
        f"<decisions><name>{name}</name><label>{name}</label>{connector(no, 'defaultConnector')}"
        f"<rules><name>{name}_Yes</name><conditionLogic>{logic}</conditionLogic>{''.join(conditions)}"
        f"{connector(yes)}<label>Yes</label></rules></decisions>"
    )


def variable(name: str, data_type: str, *, is_input: bool = False, is_output: bool = False) -> str:
    return (
        f"<variables><name>{name}</name><dataType>{data_type}</dataType><isCollection>false</isCollection>"
        f"<isInput>{str(is_input).lower()}</isInput><isOutput>{str(is_output).lower()}</isOutput>"
        + ("<scale>2</scale>" if data_type == "Number" else "")
        + "</variables>"
    )


def flow_xml(
    label: str,
    *,
    body: str = "",
    start: str | None = None,
    process_type: str = "AutoLaunchedFlow",
    status: str = "Active",
    description: str | None = None,
    start_extra: str = "",
) -> bytes:
    """A flow-meta.xml document; `body` holds variables and elements, `start` the first element's name."""
    desc = f"<description>{description}</description>" if description else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Flow xmlns="{NS}"><apiVersion>59.0</apiVersion>{desc}'
        f"<label>{label}</label><processType>{process_type}</processType>"
        f"<start><locationX>0</locationX><locationY>0</locationY>{connector(start)}{start_extra}</start>"
        f"<status>{status}</status>{body}</Flow>"
    ).encode()


def build(*parts: str, start: str | None, name: str = "Test_Flow", process_type: str = "AutoLaunchedFlow") -> Flow:
    """The Flow model of a flow named `name` made of `parts` (variables, resources, elements), as the org loads it."""
    return parse_flow(flow_xml(name, body="".join(parts), start=start, process_type=process_type), name)


def loop(name: str, collection: str, body: str | None, done: str | None, *, manual: str = "", order: str = "") -> str:
    """A Loop element: `body` is the next-value connector, `done` the no-more-values one; `manual` names a manual
    loop variable (assignNextValueToReference), `order` Asc or Desc."""
    manual_xml = f"<assignNextValueToReference>{manual}</assignNextValueToReference>" if manual else ""
    order_xml = f"<iterationOrder>{order}</iterationOrder>" if order else ""
    return (
        f"<loops><name>{name}</name><label>{name}</label>{manual_xml}<collectionReference>{collection}"
        f"</collectionReference>{order_xml}{connector(body, 'nextValueConnector')}"
        f"{connector(done, 'noMoreValuesConnector')}</loops>"
    )


def collect_records(sobject: str, field: str, *, done: str | None = None) -> list[str]:
    """Variables `names` (input text collection), `one` (a `sobject` record) and `records` (output collection of
    them), and a loop `Each` that sets `one.<field>` to each name and adds `one` to `records`; `done` follows."""
    return [
        var("names", "String", inp=True, many=True),
        var("one", "SObject", obj=sobject),
        var("records", "SObject", out=True, many=True, obj=sobject),
        loop("Each", "names", "Fill", done),
        assign("Fill", [(f"one.{field}", "Assign", ref("Each")), ("records", "Add", ref("one"))], then="Each"),
    ]


def finished(outcome: InterviewOutcome) -> InterviewOutcome:
    """The outcome, which must have finished (else the assertion shows its error)."""
    assert outcome.status == "Finished", (outcome.error_code, outcome.error_message)
    return outcome


def outputs_of(outcome: InterviewOutcome) -> dict[str, Any]:
    """The output values of an interview that must have finished."""
    return finished(outcome).outputs
