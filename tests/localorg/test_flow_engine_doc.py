"""docs/flow-engine.md says what the engine runs; these checks keep its tables and the code in step."""

from __future__ import annotations

import re

from salesforce_flow_mcp.localorg.flows.engine.conditions import OPERATORS
from salesforce_flow_mcp.localorg.flows.engine.elements import ASSIGNMENT_OPERATORS
from salesforce_flow_mcp.localorg.flows.formula.functions import FUNCTIONS, NOT_YET
from salesforce_flow_mcp.localorg.flows.parse.elements import ELEMENT_PARSERS, parse_unsupported
from tests.support import CORPUS, REPO

DOC = (REPO / "docs" / "flow-engine.md").read_text(encoding="utf-8")


def table(heading: str, status_column: int = 1) -> dict[str, str]:
    """First-column names (each `code` span of the cell) -> status column, for the table under `## heading`."""
    section = DOC.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) <= status_column or not line.startswith("|") or set(cells[1]) <= {"-"}:
            continue
        for name in re.findall(r"`([^`]+)`", cells[0]):
            rows[name] = cells[status_column]
    return rows


def test_element_table_matches_the_parsers() -> None:
    rows = table("Elements")
    for kind, parser in ELEMENT_PARSERS.items():
        expected = "not yet" if parser is parse_unsupported else "supported"
        assert rows.get(kind) == expected, kind


def test_assignment_operator_table_matches_the_engine() -> None:
    rows = table("Assignment operators")
    assert set(rows) == set(ASSIGNMENT_OPERATORS)
    assert set(rows.values()) == {"supported"}


def test_condition_operator_table_matches_the_engine() -> None:
    rows = table("Condition operators")
    assert set(OPERATORS) <= set(rows)
    assert set(rows) - set(OPERATORS) == {"WasVisited", "WasSelected", "WasSet"}  # answered from the interview


def test_function_table_matches_the_function_tables() -> None:
    rows = table("Formula functions", status_column=2)
    assert {name for name, status in rows.items() if status == "supported"} == set(FUNCTIONS)
    assert {name for name, status in rows.items() if status.startswith("not yet")} == set(NOT_YET)


def test_every_corpus_file_is_in_the_corpus_table() -> None:
    rows = table("The corpus")
    files = {path.name.removesuffix(".flow-meta.xml") for path in CORPUS.rglob("*.flow-meta.xml")}
    assert set(rows) == files
