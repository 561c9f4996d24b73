"""OrgState: a database file survives a restart (flows, versions, activation, interviews, records, tokens) without
duplicating a re-loaded folder; and an org of 1,000 flows lists, describes and pages correctly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest

from salesforce_flow_mcp.localorg.store.state import OrgState, OrgStateError

V = "/services/data/v59.0"


@pytest.mark.anyio
async def test_state_survives_a_restart_with_a_db_file(
    tmp_path: Path,
    flows_dir: Path,
    test_flows: dict[str, bytes],
    make_flow: Callable[..., bytes],
    client_for: Callable[..., httpx2.AsyncClient],
) -> None:
    db = str(tmp_path / "org.db")
    state = OrgState.create(db, flows_dir, access_token="first-token")
    issued = state.sessions.issue_access_token(user_id=state.user_id)
    async with client_for(state, "first-token") as client:
        v2 = await client.post("/__org/flows", params={"name": "Greet"}, content=make_flow("Greet Two"))
        assert v2.json()["versionNumber"] == 2 and v2.json()["status"] == "Active"
        await client.post(f"{V}/sobjects/Account", json={"Name": "Kept"})
        paused = await client.post(f"{V}/sobjects/FlowInterview", json={"FlowDefinitionView": {"ApiName": "Ask_Name"}})
        interview_id = paused.json()["id"]
        ask = state.flows.by_name("Ask_Name")
        assert ask is not None
        r = await client.patch(f"{V}/tooling/sobjects/FlowDefinition/{ask.id}", json={"Metadata": {}})
        assert r.status_code == 204
    versions_before = {v.id for v in state.flows.versions()}
    definitions_before = {d.id for d in state.flows.definitions()}
    state.close()

    again = OrgState.create(db, flows_dir, access_token="second-token")
    try:
        assert {v.id for v in again.flows.versions()} == versions_before  # the same folder adds nothing
        greet = again.flows.by_name("Greet")
        assert greet is not None and [v.status for v in greet.versions] == ["Obsolete", "Active"]
        assert greet.runnable.flow.label == "Greet Two"
        ask = again.flows.by_name("Ask_Name")
        assert ask is not None and ask.active is None
        assert again.sessions.validate("first-token") is not None and again.sessions.validate(issued) is not None
        async with client_for(again, "second-token") as client:
            got = await client.get(f"{V}/sobjects/FlowInterview/{interview_id}")
            assert got.status_code == 200 and got.json()["CurrentElement"] == "Ask"
            accounts = (await client.get(f"{V}/query", params={"q": "SELECT Name FROM Account"})).json()["records"]
            assert [a["Name"] for a in accounts] == ["Kept"]
            # New Ids never collide with the ones minted before the restart.
            deployed = await client.post("/__org/flows", params={"name": "After"}, content=make_flow("After"))
            assert deployed.json()["id"] not in versions_before
            assert deployed.json()["definitionId"] not in definitions_before
    finally:
        again.close()

    # A changed file becomes the next version of its flow.
    (flows_dir / "Make_Account.flow-meta.xml").write_bytes(make_flow("Make Account Changed", status="Draft"))
    third = OrgState.create(db, flows_dir)
    try:
        make = third.flows.by_name("Make_Account")
        assert make is not None and [v.version_number for v in make.versions] == [1, 2]
        assert make.latest.status == "Draft" and make.active is make.versions[0]
        assert len(third.flows.definitions()) == len(test_flows) + 1  # + "After"
    finally:
        third.close()


def test_a_bad_flow_file_is_skipped(tmp_path: Path, flows_dir: Path) -> None:
    (flows_dir / "Broken.flow-meta.xml").write_bytes(b"<Flow><label>oops")
    (flows_dir / "bad name.flow-meta.xml").write_bytes(b"<Flow/>")
    state = OrgState.create(":memory:", flows_dir)
    try:
        assert state.flows.by_name("Broken") is None
        assert state.flows.by_name("Greet") is not None
    finally:
        state.close()


def test_unusable_db_path_gives_a_clear_error(tmp_path: Path) -> None:
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("hello, this is not SQLite " * 100)
    for path in (str(not_a_db), str(tmp_path / "missing" / "org.db")):
        with pytest.raises(OrgStateError, match="Cannot open the org database"):
            OrgState.create(path)


def test_demo_flows_load_by_default() -> None:
    state = OrgState.create()
    try:
        assert state.flows.definitions(), "the demo flows folder ships flows"
        assert all(d.id.startswith("300") and d.latest.id.startswith("301") for d in state.flows.definitions())
    finally:
        state.close()


@pytest.fixture(scope="module")
def thousand_flows(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("thousand")
    for i in range(1000):
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?><Flow xmlns="http://soap.sforce.com/2006/04/metadata">'
            f"<apiVersion>59.0</apiVersion><label>Flow {i:04d}</label><processType>AutoLaunchedFlow</processType>"
            "<start><locationX>0</locationX><locationY>0</locationY></start>"
            f"<status>{'Active' if i % 4 else 'Draft'}</status><variables><name>in{i}</name><dataType>String</dataType>"
            "<isCollection>false</isCollection><isInput>true</isInput><isOutput>false</isOutput></variables></Flow>"
        )
        (folder / f"Flow_{i:04d}.flow-meta.xml").write_text(xml)
    return folder


@pytest.mark.anyio
async def test_thousand_flows_list_describe_and_page(
    thousand_flows: Path, client_for: Callable[..., httpx2.AsyncClient]
) -> None:
    state = OrgState.create(":memory:", thousand_flows)
    try:
        assert len(state.flows.definitions()) == 1000
        async with client_for(state, None) as client:
            actions = (await client.get(f"{V}/actions/custom/flow")).json()["actions"]
            assert len(actions) == 750 and actions[0]["name"] == "Flow_0001"
            for i in range(0, 1000, 37):
                r = await client.get(f"{V}/actions/custom/flow/Flow_{i:04d}")
                assert r.status_code == 200 and r.json()["inputs"][0]["name"] == f"in{i}"
            seed = (await client.get(f"{V}/sobjects/Flow")).json()
            assert seed["totalSize"] == 1000 and len(seed["records"]) == 1000

            page: dict[str, Any] = (
                await client.get(
                    f"{V}/tooling/query",
                    params={"q": "SELECT Id, Definition.DeveloperName FROM Flow ORDER BY Definition.DeveloperName"},
                    headers={"Sforce-Query-Options": "batchSize=400"},
                )
            ).json()
            names = [rec["Definition"]["DeveloperName"] for rec in page["records"]]
            while not page["done"]:
                assert page["queryLocator"] and page["nextRecordsUrl"].startswith(f"{V}/tooling/query/")
                page = (await client.get(page["nextRecordsUrl"])).json()
                names += [rec["Definition"]["DeveloperName"] for rec in page["records"]]
            assert names == [f"Flow_{i:04d}" for i in range(1000)]
    finally:
        state.close()
