"""simple-salesforce, a widely used real client, against the org served over https on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)

from salesforce_flow_mcp.localorg.store.state import OrgState


@pytest.fixture(scope="module")
def org(
    tmp_path_factory: pytest.TempPathFactory,
    write_test_flows: Callable[[Path], Path],
    serve_live_org: Callable[..., Any],
) -> Iterator[Any]:
    """An org with 450 accounts in its database file, served over https (simple-salesforce only speaks https)."""
    folder = tmp_path_factory.mktemp("sf")
    flows = write_test_flows(folder / "flows")
    db = str(folder / "org.db")
    state = OrgState.create(db, flows)
    with state.lock:
        for i in range(450):
            state.records.insert("Account", {"Name": f"Acct {i:03d}"})
    state.close()
    with serve_live_org(flows, db_path=db, tls_dir=folder) as served:
        yield served


@pytest.fixture
def sf(org: Any) -> Iterator[Salesforce]:
    with requests.Session() as session:
        session.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would override `verify`
        session.verify = org.ca_file
        yield Salesforce(instance_url=org.base_url, session_id=org.token, version="59.0", session=session)


def test_query_flow_views_and_usage_header(sf: Salesforce) -> None:
    result = sf.query("SELECT ApiName, IsActive FROM FlowDefinitionView WHERE ApiName = 'Greet'")
    assert result["totalSize"] == 1 and result["records"][0]["ApiName"] == "Greet"
    assert sf.api_usage["api-usage"].total == 15000 and sf.api_usage["api-usage"].used >= 1


def test_query_all_follows_next_records_url(sf: Salesforce) -> None:
    sf.headers["Sforce-Query-Options"] = "batchSize=200"
    first = sf.query("SELECT Name FROM Account")
    assert first["done"] is False and len(first["records"]) == 200
    everything = sf.query_all("SELECT Name FROM Account ORDER BY Name")
    assert everything["totalSize"] == 450 and len(everything["records"]) == 450
    assert everything["records"][-1]["Name"] == "Acct 449"


def test_list_describe_and_invoke_flow_actions(sf: Salesforce) -> None:
    actions = sf.restful("actions/custom/flow")["actions"]
    assert {"Greet", "Make_Account", "Wait_Then_Flag"} == {a["name"] for a in actions}
    describe = sf.restful("actions/custom/flow/Greet")
    assert {p["name"] for p in describe["inputs"]} == {"name", "count"}
    [result] = sf.restful("actions/custom/flow/Greet", method="POST", json={"inputs": [{"name": "Sim", "count": 4}]})
    assert result["isSuccess"] is True and result["outputValues"]["total"] == 8


def test_partial_failure_raises_with_the_full_result_array(sf: Salesforce) -> None:
    body = {"inputs": [{"accountName": "Fine"}, {"accountName": ""}]}
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.restful("actions/custom/flow/Make_Account", method="POST", json=body)
    assert caught.value.status == 400
    # One transaction, partial save off by default (Metadata API InvocableActionSettings): the good input is rolled
    # back with the failed one.
    assert [item["isSuccess"] for item in caught.value.content] == [False, False]
    assert caught.value.content[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"


def test_paused_interview_get_and_delete(sf: Salesforce) -> None:
    [result] = sf.restful("actions/custom/flow/Wait_Then_Flag", method="POST", json={"inputs": [{}]})
    guid = result["outputValues"]["Flow__InterviewGuid"]
    [row] = sf.query(f"SELECT Id FROM FlowInterview WHERE Guid = '{guid}'")["records"]
    interview = sf.FlowInterview.get(row["Id"])
    assert interview["InterviewStatus"] == "Paused" and interview["Guid"] == guid
    assert sf.FlowInterview.delete(row["Id"]) == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.FlowInterview.get(row["Id"])


def test_tooling_query(sf: Salesforce) -> None:
    result = sf.toolingexecute("query/?q=SELECT+Id,Definition.DeveloperName,Status+FROM+Flow+WHERE+Status='Draft'")
    assert result["entityTypeName"] == "Flow"
    assert [r["Definition"]["DeveloperName"] for r in result["records"]] == ["Draft_Only"]


def test_invalid_session_is_reported_as_expired(sf: Salesforce) -> None:
    sf.session_id = "not-a-token"
    sf.headers["Authorization"] = "Bearer not-a-token"
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM FlowInterview")
