"""The SOQL allowlist checks every object a query can read, with a parser, before any request.

SOQL can name objects in the FROM list, in TYPEOF (polymorphic relationships), through relationship traversals
(Owner.Email reads User), in parent-to-child subqueries and in semi-joins (SOQL and SOSL Reference: SOQL SELECT
Syntax, TYPEOF, Relationship Queries, Comparison Operators "Semi-Joins with IN and Anti-Joins with NOT IN":
https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select.htm).
FlowInterview.Owner is polymorphic (User or Group) and FlowVersionView is reached from FlowInterview through
FlowVersionViewId (Object Reference, FlowInterview).
"""

from __future__ import annotations

import pytest

from salesforce_flow_mcp.salesforce.soql import is_tooling_query
from salesforce_flow_mcp.tools.validation import ArgumentError, check_flow_soql
from tests.support import org_stack, text_of

pytestmark = pytest.mark.anyio

REFUSED = [
    ("SELECT Id FROM Flow, Account", "Account"),
    ("SELECT TYPEOF Owner WHEN User THEN Email END FROM FlowInterview", "User"),
    ("SELECT Owner.Email FROM FlowInterview", "Owner"),
    ("SELECT Id, CreatedBy.Name FROM FlowInterview", "CreatedBy"),
    ("SELECT Id FROM FlowInterview i, i.Owner o", "Owner"),
    ("SELECT Id FROM FlowInterview WHERE OwnerId IN (SELECT Id FROM User WHERE IsActive = true)", "User"),
    (
        "SELECT Id FROM FlowInterview WHERE FlowVersionViewId IN "
        "(SELECT Id FROM FlowVersionView WHERE LastModifiedById IN (SELECT Id FROM User))",
        "User",
    ),
    (
        "SELECT Id FROM FlowInterview WHERE Id IN (SELECT FlowVersionViewId FROM FlowVersionView WHERE Owner.Id = '')",
        "Owner",
    ),
    ("SELECT Id, (SELECT Id FROM Interviews) FROM FlowDefinitionView", "Interviews"),
    ("SELECT Id, Definition.CreatedBy.Email FROM Flow", "Definition.CreatedBy"),
    ("SELECT Id FROM FlowInterview FOR UPDATE", "FOR UPDATE"),
    ("SELECT Id FROM FlowInterview UPDATE TRACKING", "UPDATE TRACKING"),
    ("SELECT Id FROM FlowInterview WHERE Id IN ('a') ; SELECT Id FROM Account", "MALFORMED_QUERY"),
]

ALLOWED = [
    "SELECT Id, Definition.DeveloperName, MasterLabel, Status, VersionNumber FROM Flow ORDER BY VersionNumber",
    "SELECT f.Id, f.Definition.DeveloperName FROM Flow f WHERE f.Status = 'Active'",
    "SELECT Id, FlowVersionView.FlowDefinitionView.ApiName FROM FlowInterview",
    "SELECT Id FROM FlowInterview WHERE FlowVersionViewId IN (SELECT DurableId FROM FlowVersionView WHERE Status = '')",
    "SELECT InterviewStatus, COUNT(Id) n FROM FlowInterview GROUP BY ROLLUP(InterviewStatus) HAVING COUNT(Id) > 0",
    "SELECT Id FROM FlowInterview WHERE CreatedDate = LAST_N_DAYS:7 AND NOT (InterviewStatus = 'Paused') LIMIT 5",
    "SELECT Id FROM FlowInterview WHERE InterviewLabel = 'SELECT Id FROM Account, User' WITH SECURITY_ENFORCED",
    "SELECT ActiveVersion.VersionNumber, LatestVersion.Status FROM FlowDefinition",
    "select id from flowinterview where name like 'a%' order by createddate desc nulls last",
]


@pytest.mark.parametrize(("query", "names"), REFUSED)
def test_every_object_a_query_reads_is_checked(query: str, names: str) -> None:
    with pytest.raises(ArgumentError) as caught:
        check_flow_soql(query)
    assert names in str(caught.value)


@pytest.mark.parametrize("query", ALLOWED)
def test_queries_over_flow_objects_and_their_relationships_pass(query: str) -> None:
    assert check_flow_soql(query) == query


def test_the_api_is_chosen_by_the_query_s_own_object_not_a_subquery() -> None:
    assert not is_tooling_query("SELECT Id FROM FlowInterview WHERE FlowVersionViewId IN (SELECT Id FROM Flow)")
    assert is_tooling_query("SELECT Id, (SELECT Id FROM FlowInterviews) FROM Flow")


@pytest.mark.parametrize(
    ("tool", "q"),
    [
        ("query_flows", "SELECT Id FROM Flow, Account"),
        ("query_flows", "SELECT TYPEOF Owner WHEN User THEN Email END FROM FlowInterview"),
        ("query_flows", "SELECT Id FROM FlowInterview WHERE Id IN (SELECT Id FROM Account)"),
        ("list_flows", "Status = 'Active' AND DefinitionId IN (SELECT Id FROM Account)"),
        ("list_flows", "SELECT Id, CreatedBy.Email FROM Flow"),
    ],
)
async def test_a_refused_query_never_reaches_the_org(tool: str, q: str) -> None:
    async with org_stack() as stack:
        before = (await stack.org.get("/__org/status")).json()["apiUsage"]
        result = await stack.call(tool, {"q": q})
        assert result.is_error and "not a flow object" in text_of(result)
        assert (await stack.org.get("/__org/status")).json()["apiUsage"] == before, "nothing was sent"
