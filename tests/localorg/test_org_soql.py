"""The org's SOQL subset (lark grammar + evaluator) over plain rows: what each clause selects and how errors read."""

from __future__ import annotations

from typing import Any

import pytest

from salesforce_flow_mcp.localorg.errors import OrgError
from salesforce_flow_mcp.localorg.soql.evaluator import ObjectSchema, QueryCatalog, execute
from salesforce_flow_mcp.localorg.soql.parser import parse_soql

THING = ObjectSchema(
    "Thing", ("Id", "Name", "Size", "Active", "Day", "Stamp", "OwnerId"), relationships={"Owner": "Person"}
)
PERSON = ObjectSchema("Person", ("Id", "Name"))
PEOPLE = {"p1": {"Id": "p1", "Name": "Pat"}}


def _row(id_: str, name: str, size: Any, active: bool, day: str | None, hour: str | None, owner: str | None) -> Any:
    stamp = f"{day}T{hour}.000+0000" if day and hour else None
    return {"Id": id_, "Name": name, "Size": size, "Active": active, "Day": day, "Stamp": stamp, "OwnerId": owner}


ROWS: list[dict[str, Any]] = [
    _row("t1", "alpha", 3, True, "2024-01-05", "10:00:00", "p1"),
    _row("t2", "Beta", 10, False, "2024-03-01", "00:00:00", None),
    _row("t3", "gamma_1", None, True, None, None, "p1"),
    _row("t4", "50% off", 7.5, False, "2023-12-31", "23:59:59", None),
]


def _rows(schema: ObjectSchema) -> list[dict[str, Any]]:
    if schema is PERSON:
        return list(PEOPLE.values())
    return [{**row, "Owner": PEOPLE.get(row["OwnerId"] or "")} for row in ROWS]


CATALOG = QueryCatalog({"thing": THING, "person": PERSON}, _rows)


def ids(q: str) -> list[str]:
    return [r["Id"] for r in execute(parse_soql(q), CATALOG, "59.0").records]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Name = 'ALPHA'", ["t1"]),
        ("Name != 'alpha'", ["t2", "t3", "t4"]),
        ("Name <> 'alpha'", ["t2", "t3", "t4"]),
        ("Size > 5", ["t2", "t4"]),
        ("Size >= 7.5", ["t2", "t4"]),
        ("Size < 4", ["t1"]),
        ("Size = null", ["t3"]),
        ("Size != null", ["t1", "t2", "t4"]),
        ("Active = true", ["t1", "t3"]),
        ("Active = FALSE", ["t2", "t4"]),
        ("Name LIKE 'g%'", ["t3"]),
        ("Name LIKE '%\\_1'", ["t3"]),
        ("Name LIKE '50\\% %'", ["t4"]),
        ("Name LIKE '_eta'", ["t2"]),
        ("Name IN ('beta', 'GAMMA_1')", ["t2", "t3"]),
        ("Size NOT IN (3, 10)", ["t3", "t4"]),
        ("NOT Active = true", ["t2", "t4"]),
        ("(Size > 5 OR Name = 'alpha') AND Active = false", ["t2", "t4"]),
        ("Size > 5 OR Name = 'alpha' AND Active = false", ["t2", "t4"]),
        ("Day > 2024-01-01", ["t1", "t2"]),
        ("Day = 2023-12-31", ["t4"]),
        ("Stamp >= 2024-01-05T10:00:00Z", ["t1", "t2"]),
        ("Stamp < 2024-01-05T11:00:00+01:00", ["t4"]),
        ("Owner.Name = 'pat'", ["t1", "t3"]),
        ("Name = 'b' OR Name = 'beta' OR Size = 3 OR Size = 99", ["t1", "t2"]),
    ],
)
def test_where(where: str, expected: list[str]) -> None:
    assert ids(f"SELECT Id FROM Thing WHERE {where}") == expected


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("Size", ["t3", "t1", "t4", "t2"]),
        ("Size ASC NULLS LAST", ["t1", "t4", "t2", "t3"]),
        ("Size DESC", ["t2", "t4", "t1", "t3"]),
        ("Size DESC NULLS FIRST", ["t3", "t2", "t4", "t1"]),
        ("Name", ["t4", "t1", "t2", "t3"]),
        ("Active DESC, Name DESC", ["t3", "t1", "t2", "t4"]),
    ],
)
def test_order_by(order: str, expected: list[str]) -> None:
    assert ids(f"SELECT Id FROM Thing ORDER BY {order}") == expected


def test_limit_offset_and_count() -> None:
    assert ids("SELECT Id FROM Thing ORDER BY Id LIMIT 2 OFFSET 1") == ["t2", "t3"]
    outcome = execute(parse_soql("SELECT COUNT() FROM Thing WHERE Active = true"), CATALOG, "59.0")
    assert outcome.total_size == 2 and outcome.records == []


def test_projection_with_relationships_and_attributes() -> None:
    q = "SELECT name, Owner.Name, Owner.Id FROM thing WHERE Id IN ('t1', 't2') ORDER BY Id"
    first, second = execute(parse_soql(q), CATALOG, "60.0").records
    owner_attributes = {"type": "Person", "url": "/services/data/v60.0/sobjects/Person/p1"}
    assert first == {
        "attributes": {"type": "Thing", "url": "/services/data/v60.0/sobjects/Thing/t1"},
        "Name": "alpha",
        "Owner": {"attributes": owner_attributes, "Name": "Pat", "Id": "p1"},
    }
    assert second["Owner"] is None


def test_string_escapes() -> None:
    q = parse_soql("SELECT Id FROM Thing WHERE Name = 'a\\'b\\\\c\\n'")
    assert q.where is not None and getattr(q.where, "value", None) == "a'b\\c\n"


@pytest.mark.parametrize(
    ("q", "code", "position"),
    [
        ("SELECT Id FROM Thing WHERE Nope = 1", "INVALID_FIELD", "Row:1:Column:28"),
        ("SELECT Id,\n  Nope FROM Thing", "INVALID_FIELD", "Row:2:Column:3"),
        ("SELECT Id FROM Thing ORDER BY Nope", "INVALID_FIELD", "Column:31"),
        ("SELECT Owner.Nope FROM Thing", "INVALID_FIELD", "No such column 'Nope' on entity 'Person'"),
        ("SELECT Id FROM Thing WHERE Size = = 1", "MALFORMED_QUERY", "unexpected token: '='"),
        ("SELECT Id FROM Thing WHERE Name LIKE 3", "MALFORMED_QUERY", "LIKE needs a string"),
        ("SELECT Id FROM Thing LIMIT x", "MALFORMED_QUERY", "unexpected"),
        ("DELETE FROM Thing", "MALFORMED_QUERY", "Row:1:Column:1"),
        ("SELECT Id FROM Thing; DROP TABLE x", "MALFORMED_QUERY", "unexpected character: ';'"),
        ("SELECT Id FROM Thing WHERE Name = 'unterminated", "MALFORMED_QUERY", "Row:1"),
        ("SELECT Id FROM Nothing", "INVALID_TYPE", "sObject type 'Nothing' is not supported."),
        # SOQL escapes a quote with a backslash; doubling it ends the string
        ("SELECT Id FROM Thing WHERE Name = 'it''s'", "MALFORMED_QUERY", "unexpected"),
    ],
)
def test_errors_name_the_problem_and_its_position(q: str, code: str, position: str) -> None:
    with pytest.raises(OrgError) as caught:
        ids(q)
    assert caught.value.status == 400 and caught.value.error_code == code
    assert position in caught.value.message


def test_overlong_and_deeply_nested_queries_are_refused_cleanly() -> None:
    with pytest.raises(OrgError) as caught:
        parse_soql("SELECT Id FROM Thing WHERE " + " OR ".join(["Size = 1"] * 20000))
    assert caught.value.error_code == "MALFORMED_QUERY" and "100000" in caught.value.message
    nested = "SELECT Id FROM Thing WHERE " + "(" * 300 + "Size = 1" + ")" * 300
    assert ids(nested) == []
    wide = "SELECT Id FROM Thing WHERE " + " OR ".join(f"Size = {n}" for n in range(5000))
    assert ids(wide) == ["t1", "t2"]
    with pytest.raises(OrgError) as caught:
        parse_soql("SELECT Id FROM Thing WHERE " + "NOT " * 5000 + "Size = 1")
    assert caught.value.error_code == "MALFORMED_QUERY" and "too deeply" in caught.value.message
