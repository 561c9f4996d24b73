"""The org served by uvicorn on a loopback socket (serve_org): port 0, https, and a --db file across restarts."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2

V = "/services/data/v59.0"


def test_serve_org_on_a_free_port(flows_dir: Path, serve_live_org: Callable[..., Any]) -> None:
    with serve_live_org(flows_dir) as org:
        assert org.base_url.startswith("http://127.0.0.1:") and not org.base_url.endswith(":0")
        with httpx2.Client(base_url=org.base_url, headers={"Authorization": f"Bearer {org.token}"}) as client:
            r = client.get(f"{V}/actions/custom/flow")
            assert r.status_code == 200 and "Greet" in [a["name"] for a in r.json()["actions"]]
            assert r.headers["Sforce-Limit-Info"].startswith("api-usage=")
            r = client.post(f"{V}/actions/custom/flow/Greet", json={"inputs": [{"name": "Live", "count": 1}]})
            assert r.status_code == 200 and r.json()[0]["outputValues"]["greeting"] == "Live"
            assert client.get(f"{V}/limits", headers={"Authorization": "Bearer nope"}).status_code == 401
        base_url = org.base_url
    # stopped: the port no longer answers
    try:
        httpx2.get(f"{base_url}/services/data", timeout=2)
        raise AssertionError("the server still answers after it was stopped")
    except httpx2.TransportError:
        pass


def test_serve_org_over_https_with_a_db_file(
    tmp_path: Path, flows_dir: Path, serve_live_org: Callable[..., Any]
) -> None:
    db = str(tmp_path / "org.db")
    with serve_live_org(flows_dir, db_path=db, tls_dir=tmp_path) as org:
        assert org.base_url.startswith("https://127.0.0.1:")
        headers = {"Authorization": f"Bearer {org.token}"}
        with httpx2.Client(
            base_url=org.base_url, headers=headers, verify=ssl.create_default_context(cafile=org.ca_file)
        ) as client:
            r = client.post(f"{V}/sobjects/FlowInterview", json={"FlowDefinitionView": {"ApiName": "Ask_Name"}})
            assert r.status_code == 201
            interview_id = r.json()["id"]
    with serve_live_org(flows_dir, db_path=db) as org:
        with httpx2.Client(base_url=org.base_url, headers={"Authorization": f"Bearer {org.token}"}) as client:
            r = client.get(f"{V}/sobjects/FlowInterview/{interview_id}")
            assert r.status_code == 200 and r.json()["InterviewStatus"] == "Paused"
            flows = client.get(f"{V}/sobjects/Flow").json()
            assert flows["totalSize"] == len(list(flows_dir.iterdir()))


def test_org_serve_partial_save_setting(flows_dir: Path, serve_live_org: Callable[..., Any]) -> None:
    """`org serve --partial-save` (serve_org(partial_save=True)) is InvocableActionSettings.isPartialSaveAllowed =
    true: of two inputs of one invoke the good one is saved, over real HTTP. Without it (the default) neither is."""
    inputs = {"inputs": [{"accountName": "Kept"}, {"accountName": ""}]}
    for partial_save, expected in ((True, ["Kept"]), (False, [])):
        with serve_live_org(flows_dir, partial_save=partial_save) as org:
            with httpx2.Client(base_url=org.base_url, headers={"Authorization": f"Bearer {org.token}"}) as client:
                r = client.post(f"{V}/actions/custom/flow/Make_Account", json=inputs)
                assert r.status_code == 400
                assert [x["isSuccess"] for x in r.json()] == [partial_save, False]
                q = client.get(f"{V}/query", params={"q": "SELECT Name FROM Account"})
                assert [rec["Name"] for rec in q.json()["records"]] == expected


def test_org_serve_command_line_has_the_partial_save_flag() -> None:
    from salesforce_flow_mcp.cli import build_parser

    args = build_parser().parse_args(["org", "serve", "--partial-save", "--loop-guard", "500"])
    assert (args.partial_save, args.loop_guard) == (True, 500)
    assert build_parser().parse_args(["org", "serve"]).partial_save is False
