"""Tiny invocable flows for the benchmark: N active autolaunched flows with a few typed inputs and outputs.

Each flow multiplies two numbers and builds a line of text, so a call runs a formula and an assignment: small, but
real work for the embedded org's engine. The describes (and so the tool schemas) look like a typical org's.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

FLOW_PREFIX = "Bench_Flow_"

# (name, dataType, isInput, isOutput, extra XML, description)
_VARIABLES = (
    ("customerName", "String", True, False, "", "Name of the customer the line is for."),
    ("quantity", "Number", True, False, "<scale>0</scale>", "How many units."),
    ("unitPrice", "Currency", True, False, "<scale>2</scale>", "Price of one unit."),
    ("isRush", "Boolean", True, False, "", "True for a rush order."),
    ("total", "Currency", False, True, "<scale>2</scale>", "quantity x unitPrice."),
    ("summary", "String", False, True, "", "One line describing the order."),
)

OUTPUTS = sum(1 for v in _VARIABLES if v[3])  # each flow's own outputs (the catalogue's "typical" needs 2)
ARGUMENTS = {"customerName": "Ada", "quantity": 3, "unitPrice": 2.5, "isRush": False}
EXPECTED_TOTAL = 7.5


def flow_name(index: int) -> str:
    return f"{FLOW_PREFIX}{index:04d}"


def _variable(name: str, data_type: str, is_input: bool, is_output: bool, extra: str, description: str) -> str:
    return (
        f"<variables><description>{escape(description)}</description><name>{name}</name>"
        f"<dataType>{data_type}</dataType><isCollection>false</isCollection>"
        f"<isInput>{str(is_input).lower()}</isInput><isOutput>{str(is_output).lower()}</isOutput>{extra}</variables>"
    )


def flow_xml(index: int) -> str:
    label = f"Bench Flow {index:04d}"
    summary = escape(f'{{!customerName}} & " ordered " & TEXT({{!quantity}}) & " (flow {index:04d})"')
    variables = "".join(_variable(*v) for v in _VARIABLES)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Flow xmlns="http://soap.sforce.com/2006/04/metadata">'
        "<apiVersion>59.0</apiVersion>"
        "<assignments><name>Compute</name><label>Compute</label><locationX>176</locationX><locationY>134</locationY>"
        "<assignmentItems><assignToReference>total</assignToReference><operator>Assign</operator>"
        "<value><elementReference>totalFormula</elementReference></value></assignmentItems>"
        "<assignmentItems><assignToReference>summary</assignToReference><operator>Assign</operator>"
        "<value><elementReference>summaryFormula</elementReference></value></assignmentItems>"
        "</assignments>"
        f"<description>Benchmark flow {index:04d}: total = quantity x unitPrice, and a one-line summary.</description>"
        "<formulas><name>totalFormula</name><dataType>Currency</dataType>"
        "<expression>{!quantity} * {!unitPrice}</expression><scale>2</scale></formulas>"
        f"<formulas><name>summaryFormula</name><dataType>String</dataType><expression>{summary}</expression></formulas>"
        f"<interviewLabel>{label} {{!$Flow.CurrentDateTime}}</interviewLabel>"
        f"<label>{label}</label>"
        "<processType>AutoLaunchedFlow</processType>"
        "<start><locationX>50</locationX><locationY>0</locationY>"
        "<connector><targetReference>Compute</targetReference></connector></start>"
        "<status>Active</status>"
        f"{variables}"
        "</Flow>\n"
    )


def write_flows(folder: Path, count: int) -> list[str]:
    """Write `count` flow files into `folder` (created if needed); returns their API names in order."""
    folder.mkdir(parents=True, exist_ok=True)
    names = [flow_name(i) for i in range(1, count + 1)]
    for index, name in enumerate(names, start=1):
        (folder / f"{name}.flow-meta.xml").write_text(flow_xml(index), encoding="utf-8")
    return names
