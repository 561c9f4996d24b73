"""Which flow version a caller gets (facts §1): a flow admin always the latest, a flow user the active one."""

from __future__ import annotations

import httpx2
import pytest

from salesforce_flow_mcp.localorg.app import create_org_app
from salesforce_flow_mcp.localorg.store.state import DEMO_ACCESS_TOKEN, OrgState

pytestmark = pytest.mark.anyio

BASE = "/services/data/v59.0"


def flow_xml(label: str, status: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Flow xmlns="http://soap.sforce.com/2006/04/metadata">
    <apiVersion>59.0</apiVersion>
    <assignments><name>Set</name><label>Set</label><locationX>0</locationX><locationY>0</locationY>
        <assignmentItems><assignToReference>answer</assignToReference><operator>Assign</operator>
            <value><stringValue>{label}</stringValue></value></assignmentItems></assignments>
    <label>{label}</label>
    <processType>AutoLaunchedFlow</processType>
    <start><locationX>0</locationX><locationY>0</locationY><connector><targetReference>Set</targetReference></connector></start>
    <status>{status}</status>
    <variables><name>answer</name><dataType>String</dataType><isCollection>false</isCollection>
        <isInput>false</isInput><isOutput>true</isOutput></variables>
</Flow>"""


async def test_admin_gets_the_latest_version_a_flow_user_the_active_one() -> None:
    state = OrgState.create(":memory:", None, access_token=DEMO_ACCESS_TOKEN)
    app = create_org_app(state)
    user_id = state.records.insert(
        "User", {"Username": "agent@example.com", "LastName": "Agent", "Email": "agent@example.com", "Alias": "agent"}
    )
    user_token = state.sessions.issue_access_token(user_id=user_id)
    transport = httpx2.ASGITransport(app=app)
    async with (
        httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1") as admin,
        httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1") as user,
    ):
        admin.headers["Authorization"] = f"Bearer {DEMO_ACCESS_TOKEN}"
        user.headers["Authorization"] = f"Bearer {user_token}"
        for label, status in (("Version One", "Active"), ("Version Two", "Draft")):
            deployed = await admin.post(
                "/__org/flows", params={"name": "Versioned"}, content=flow_xml(label, status).encode()
            )
            assert deployed.status_code == 201, deployed.text
        path = f"{BASE}/actions/custom/flow/Versioned"
        assert (await admin.get(path)).json()["label"] == "Version Two"
        assert (await user.get(path)).json()["label"] == "Version One"
        ran_by_user = (await user.post(path, json={"inputs": [{}]})).json()[0]
        ran_by_admin = (await admin.post(path, json={"inputs": [{}]})).json()[0]
        assert ran_by_user["outputValues"]["answer"] == "Version One"
        assert ran_by_admin["outputValues"]["answer"] == "Version Two"
    state.close()
