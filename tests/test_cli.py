"""The commands as a user runs them: org serve on a loopback port, then tools/call/serve against it; demo; help."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import CORPUS, org_environment, org_serve

pytestmark = pytest.mark.slow  # every test here starts a process

CLI = [sys.executable, "-m", "salesforce_flow_mcp"]


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def live_org() -> Iterator[tuple[str, str]]:
    """`org serve` on a free loopback port; yields (base URL, token) from what it prints."""
    with org_serve("--token", "cli-test-token", "--client-secret", "cli-secret") as (base_url, process):
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "Access token: cli-test-token"
        yield base_url, "cli-test-token"


def org_env(live_org: tuple[str, str], tmp_path: Path) -> dict[str, str]:
    return org_environment(
        *live_org,
        SALESFORCE_FLOW_MCP_CACHE=str(tmp_path / "cache"),
        SALESFORCE_FLOW_MCP_HOME=str(tmp_path / "home"),
    )


def test_tools_against_a_real_socket_org(live_org: tuple[str, str], tmp_path: Path) -> None:
    done = run("tools", env=org_env(live_org, tmp_path))
    assert done.returncode == 0, done.stderr
    assert "flow_Quote_Discount_Calculator" in done.stdout and "changes data" in done.stdout
    assert "Flow tools: 6 invocable flows, one flow_<ApiName> tool each" in done.stdout
    assert list((tmp_path / "cache").glob("describes-*.json")), "the describe cache was written"
    listing = json.loads(run("tools", "--json", env=org_env(live_org, tmp_path)).stdout)
    assert {"list_flows", "flow_Route_Support_Case"} <= {t["name"] for t in listing["tools"]}


def test_call_a_flow_tool_and_a_bad_call(live_org: tuple[str, str], tmp_path: Path) -> None:
    env = org_env(live_org, tmp_path)
    done = run("call", "flow_Quote_Discount_Calculator", "--args", '{"quantity": 4, "unitPrice": 2.5}', env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["structuredContent"]["discountedTotal"] == 10
    bad = run("call", "get_flow", "--args", '{"flowId": "nope"}', env=env)
    assert bad.returncode == 1 and json.loads(bad.stdout)["isError"] is True
    not_json = run("call", "get_flow", "--args", "{flowId:", env=env)
    assert not_json.returncode == 2 and "--args is not valid JSON" in not_json.stderr


def test_every_command_has_help() -> None:
    for command in (["serve"], ["tools"], ["call"], ["demo"], ["org", "serve"], ["login"], ["logout"], ["doctor"]):
        done = run(*command, "--help")
        assert done.returncode == 0 and "usage: salesforce-flow-mcp" in done.stdout, command
        assert "example:\n  salesforce-flow-mcp " in done.stdout, f"{command}: --help shows an example"


@pytest.mark.slow
def test_the_connect_line_is_safe_to_paste_into_bash() -> None:
    """A token with characters the shell reads (`!`, `$`, a space, quotes) survives a paste of the Connect line."""
    token = "00D!x $HOME 'q' \"d\" `id`"
    with org_serve("--token", token) as (_base_url, process):
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]  # after the first: the token, the Connect line, ...
    connect = next(line for line in lines if line.startswith("Connect: ")).removeprefix("Connect: ").strip()
    assert connect.endswith(" salesforce-flow-mcp tools")
    assignments = connect.removesuffix(" salesforce-flow-mcp tools")
    probe = "import os; print(os.environ['SALESFORCE_ACCESS_TOKEN']); print(os.environ['SALESFORCE_INSTANCE_URL'])"
    done = subprocess.run(
        ["bash", "-c", f'{assignments} {sys.executable} -c "{probe}"'], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == token
    assert done.stdout.splitlines()[1].startswith("http://127.0.0.1:")


def test_demo_prints_a_transcript_of_a_real_session() -> None:
    done = run("demo", timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "Connected: salesforce-flow-mcp" in out and "protocol 2025-11-25" in out
    assert "flow_Quote_Discount_Calculator" in out
    assert '"discountedTotal": 225' in out, "the invoked flow's output is shown"
    assert '"interviewStatus": "Waiting"' in out and "Wait_Two_Days" in out
    assert "Tier 3 Escalations" in out, "a per-flow tool was called"
    assert "0 unexpected results" in out


def test_your_own_flows_with_action_stubs_in_the_embedded_org(tmp_path: Path) -> None:
    """A folder of retrieved flows (here from the shared corpus) runs offline; an Apex action answers from a stub."""
    flows = tmp_path / "flows"
    flows.mkdir()
    source = CORPUS / "mitchspano__apex-trigger-actions-framework" / "TriggerActionFlowTest.flow-meta.xml"
    (flows / source.name).write_bytes(source.read_bytes())
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESFORCE_")}
    listing = run("tools", "--demo", "--flows", str(flows), env=env)
    assert "flow_TriggerActionFlowTest" in listing.stdout, listing.stdout + listing.stderr
    arguments = json.dumps({"record": {"attributes": {"type": "Account"}, "Name": "Acme"}, "recordPrior": None})
    # Without a stub the Apex action is a clear error that says how to provide one.
    bare = run("call", "flow_TriggerActionFlowTest", "--demo", "--flows", str(flows), "--args", arguments, env=env)
    assert bare.returncode == 1 and "not available in the embedded org" in bare.stdout and "--actions" in bare.stdout
    stubs = tmp_path / "stubs.json"
    stubs.write_text(json.dumps({"apex:TriggerActionFlowAddError": {}}))
    stubbed = run(
        "call",
        "flow_TriggerActionFlowTest",
        "--demo",
        "--flows",
        str(flows),
        "--actions",
        str(stubs),
        "--args",
        arguments,
        env=env,
    )
    assert stubbed.returncode == 0, stubbed.stdout + stubbed.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("[1, 2]")
    refused = run("tools", "--demo", "--flows", str(flows), "--actions", str(broken), env=env)
    assert refused.returncode == 1 and "cannot load the action stubs" in refused.stderr


def test_a_cold_start_over_many_flows_describes_them_in_batches(live_org: tuple[str, str], tmp_path: Path) -> None:
    """More flows than one composite batch holds: the startup describe burst (its own short-lived client) gets all."""
    import httpx2

    from tests.test_flow_tools import tiny_flow

    base_url, token = live_org
    with httpx2.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as org:
        for i in range(60):
            name = f"Batch_Echo_{i:02d}"
            answer = org.post("/__org/flows", params={"name": name, "activate": "true"}, content=tiny_flow(name, name))
            assert answer.status_code == 201, answer.text
        before = org.get("/__org/status").json()["apiUsage"]
        # One tool per flow for all 66 (the default limit keeps a list within 40 tools).
        done = run("tools", "--json", env={**org_env(live_org, tmp_path), "SALESFORCE_MAX_FLOW_TOOLS": "100"})
        used = org.get("/__org/status").json()["apiUsage"] - before
    assert done.returncode == 0, done.stderr
    names = {t["name"] for t in json.loads(done.stdout)["tools"]}
    assert {f"flow_Batch_Echo_{i:02d}" for i in range(60)} <= names
    # The list and version query, then 66 describes in ceil(66 / 25) = 3 composite batches (the cache was cold); each
    # subrequest counts against the API limits (REST API Developer Guide, Composite Batch:
    # https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-batch.html), and the org
    # counts the batch requests too; and one GET /services/data/ to pick the newest API version (cold cache). Then
    # the 66 flows' metadata in 3 Tooling composite requests, each of which "counts as a single call toward your API
    # limits" (Tooling API, Improve Performance with the Composite Resource:
    # https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_resources_composite_composite.htm).
    assert used == 1 + 2 + 3 + 66 + 3, used


def test_client_credentials_against_org_serve(live_org: tuple[str, str], tmp_path: Path) -> None:
    """No token given: the server signs in with the client-credentials grant that `org serve` answers."""
    env = org_env(live_org, tmp_path)
    del env["SALESFORCE_ACCESS_TOKEN"]
    env.update({"SALESFORCE_CLIENT_ID": "EmbeddedOrg", "SALESFORCE_CLIENT_SECRET": "cli-secret"})
    env["SALESFORCE_MAX_FLOW_TOOLS"] = "100"  # the module's org has more flows than the default limit by now
    done = run("call", "flow_Route_Support_Case", "--args", '{"priority": "Critical"}', env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["structuredContent"]["assignedQueue"] == "Tier 3 Escalations"
    doctor = run("doctor", env=env)
    assert "client credentials" in doctor.stdout and "cli-secret" not in doctor.stdout
    env["SALESFORCE_CLIENT_SECRET"] = "wrong"
    refused = run("call", "list_invocable_flows", env=env)
    assert refused.returncode == 1 and "invalid_client" in refused.stdout + refused.stderr


def test_org_serve_with_your_flows_and_action_stubs(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    source = CORPUS / "mitchspano__apex-trigger-actions-framework" / "TriggerActionFlowTest.flow-meta.xml"
    (flows / source.name).write_bytes(source.read_bytes())
    stubs = tmp_path / "stubs.json"
    stubs.write_text(json.dumps({"apex:TriggerActionFlowAddError": {}}))
    with org_serve("--token", "t", "--flows", str(flows), "--actions", str(stubs)) as (base_url, _process):
        env = org_env((base_url, "t"), tmp_path)
        arguments = json.dumps({"record": {"attributes": {"type": "Account"}, "Name": "Acme"}})
        done = run("call", "flow_TriggerActionFlowTest", "--args", arguments, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
