"""Keyset paging (tools/keyset.py): `Id > 'last'` goes into the query's own WHERE clause and the query is put in
Id order, wherever its clauses are; literals and subqueries that look like clauses are left alone.

SOQL clause order as the SOQL and SOSL Reference's "SOQL SELECT Syntax" gives it: SELECT ... FROM ... [USING SCOPE]
[WHERE] [WITH] [GROUP BY] [ORDER BY] [LIMIT] [OFFSET] [FOR VIEW/REFERENCE/UPDATE]
(https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select.htm).
"""

from __future__ import annotations

import pytest

from salesforce_flow_mcp.tools.keyset import after_id, in_id_order, keyset_condition
from salesforce_flow_mcp.tools.validation import ArgumentError

LAST = "301000000000001AAA"
KEY = f"Id > '{LAST}'"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT Id FROM Flow", f"SELECT Id FROM Flow WHERE {KEY} ORDER BY Id"),
        (
            "SELECT Id FROM Flow WHERE Status = 'Active' OR MasterLabel LIKE 'ORDER BY%'",
            f"SELECT Id FROM Flow WHERE (Status = 'Active' OR MasterLabel LIKE 'ORDER BY%') AND {KEY} ORDER BY Id",
        ),
        ("SELECT Id FROM Flow ORDER BY Id LIMIT 5", f"SELECT Id FROM Flow WHERE {KEY} ORDER BY Id LIMIT 5"),
        (
            "SELECT Id FROM FlowDefinitionView WHERE ActiveVersionId IN (SELECT Id FROM Flow WHERE Status = 'Active')",
            "SELECT Id FROM FlowDefinitionView WHERE (ActiveVersionId IN (SELECT Id FROM Flow WHERE Status = "
            f"'Active')) AND {KEY} ORDER BY Id",
        ),
        (
            "SELECT Id FROM Flow WITH SECURITY_ENFORCED LIMIT 3",
            f"SELECT Id FROM Flow WHERE {KEY} WITH SECURITY_ENFORCED ORDER BY Id LIMIT 3",
        ),
    ],
)
def test_the_keyset_goes_into_the_where_clause_and_the_order_is_by_id(query: str, expected: str) -> None:
    assert after_id(query, LAST) == expected
    assert in_id_order(expected)


def test_what_keyset_paging_cannot_continue_is_refused() -> None:
    for query in (
        "SELECT Id FROM Flow ORDER BY MasterLabel",
        "SELECT Id FROM Flow ORDER BY Id DESC",
        "SELECT Id FROM Flow LIMIT 5 OFFSET 5",
        "SELECT Status, COUNT(Id) FROM Flow GROUP BY Status",
    ):
        with pytest.raises(ArgumentError):
            after_id(query, LAST)
    with pytest.raises(ArgumentError, match="after must be a record Id"):
        after_id("SELECT Id FROM Flow", "1' OR Id != '")


def test_a_list_flows_condition_gets_the_keyset_too() -> None:
    assert keyset_condition("Status = 'Active'", LAST) == f"(Status = 'Active') AND {KEY}"
    assert keyset_condition("", LAST) == KEY
    assert not in_id_order("SELECT Id FROM Flow") and not in_id_order("not soql")
