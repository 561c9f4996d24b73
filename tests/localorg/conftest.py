"""Fixtures for the embedded org: small flows written as real *.flow-meta.xml, an OrgState over them (or over the
demo flows), and an httpx2 client talking to the org app in-process through ASGITransport."""

from __future__ import annotations

import concurrent.futures
import functools
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

from salesforce_flow_mcp.localorg.flows.engine.actions import ActionRegistry
from salesforce_flow_mcp.localorg.flows.engine.flow_engine import FlowEngine, InterviewOutcome
from salesforce_flow_mcp.localorg.flows.model import Flow
from salesforce_flow_mcp.localorg.store.records import RecordStore
from tests.localorg.flow_builders import NOW, assignment_items, flow_xml, ref, variable


@pytest.fixture
def store() -> Iterator[RecordStore]:
    """An empty record store of its own (sqlite in memory)."""
    conn = sqlite3.connect(":memory:")
    yield RecordStore(conn)
    conn.close()


@pytest.fixture
def actions() -> ActionRegistry:
    """An action registry with no stubs (a test registers the ones it needs)."""
    return ActionRegistry()


@pytest.fixture
def library() -> dict[str, Flow]:
    """Flows that subflow elements can reach by name."""
    return {}


@pytest.fixture
def engine(store: RecordStore, library: dict[str, Flow], actions: ActionRegistry) -> FlowEngine:
    """An engine over `store`, `library` and `actions`, at the fixed time NOW, with base URL http://127.0.0.1:9999."""
    return FlowEngine(store, library.get, actions, base_url="http://127.0.0.1:9999", clock=lambda: NOW)


@pytest.fixture
def run(engine: FlowEngine) -> Callable[..., InterviewOutcome]:
    """`run(flow, inputs, **kw)`: one interview of `flow` on `engine`."""
    return lambda flow, inputs=None, **kw: engine.run(flow, inputs or {}, **kw)


GREET = flow_xml(
    "Greet",
    description="Greets someone and doubles a number.",
    start="Set_Outputs",
    body=variable("name", "String", is_input=True)
    + variable("count", "Number", is_input=True)
    + variable("greeting", "String", is_output=True)
    + variable("total", "Number", is_output=True)
    + "<assignments><name>Set_Outputs</name><label>Set Outputs</label><locationX>0</locationX><locationY>0</locationY>"
    + assignment_items(
        [("greeting", "Assign", ref("name")), ("total", "Assign", ref("count")), ("total", "Add", ref("count"))]
    )
    + "</assignments>",
)
MAKE_ACCOUNT = flow_xml(
    "Make Account",
    start="Create_Account",
    body=variable("accountName", "String", is_input=True)
    + variable("accountId", "String", is_output=True)
    + "<recordCreates><name>Create_Account</name><label>Create Account</label><locationX>0</locationX>"
    "<locationY>0</locationY><assignRecordIdToReference>accountId</assignRecordIdToReference>"
    "<inputAssignments><field>Name</field><value><elementReference>accountName</elementReference></value>"
    "</inputAssignments><object>Account</object></recordCreates>",
)
WAIT_THEN_FLAG = flow_xml(
    "Wait Then Flag",
    start="Wait_A_Day",
    body=variable("flag", "Boolean", is_output=True)
    + "<waits><name>Wait_A_Day</name><label>Wait A Day</label><locationX>0</locationX><locationY>0</locationY>"
    "<defaultConnectorLabel>Default</defaultConnectorLabel><waitEvents><name>A_Day</name>"
    "<conditionLogic>and</conditionLogic><eventType>AlarmEvent</eventType><inputParameters><name>AlarmTime</name>"
    "<value><elementReference>$Flow.InterviewStartTime</elementReference></value></inputParameters>"
    "<inputParameters><name>TimeOffset</name><value><numberValue>1.0</numberValue></value></inputParameters>"
    "<inputParameters><name>TimeOffsetUnit</name><value><stringValue>Days</stringValue></value></inputParameters>"
    "<label>A Day</label></waitEvents></waits>",
)
SCREEN_FLOW = flow_xml(
    "Ask Name",
    process_type="Flow",
    start="Ask",
    body=variable("answer", "String", is_output=True)
    + "<screens><name>Ask</name><label>Ask</label><locationX>0</locationX><locationY>0</locationY>"
    "<allowBack>false</allowBack><allowFinish>true</allowFinish><allowPause>true</allowPause>"
    "<fields><name>Your_Name</name><dataType>String</dataType><fieldText>Your name</fieldText>"
    "<fieldType>InputField</fieldType><isRequired>false</isRequired></fields>"
    "<showFooter>true</showFooter><showHeader>true</showHeader></screens>",
)
DRAFT_FLOW = flow_xml("Draft Only", status="Draft", body=variable("x", "String", is_input=True))
RECORD_TRIGGERED = flow_xml(
    "On Account Save",
    start_extra="<object>Account</object><recordTriggerType>Create</recordTriggerType>"
    "<triggerType>RecordAfterSave</triggerType>",
)
TEST_FLOWS = {
    "Greet": GREET,
    "Make_Account": MAKE_ACCOUNT,
    "Wait_Then_Flag": WAIT_THEN_FLAG,
    "Ask_Name": SCREEN_FLOW,
    "Draft_Only": DRAFT_FLOW,
    "On_Account_Save": RECORD_TRIGGERED,
}
INVOCABLE_ACTIVE = ["Greet", "Make_Account", "Wait_Then_Flag"]


def write_flows(folder: Path, flows: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, xml in flows.items():
        (folder / f"{name}.flow-meta.xml").write_bytes(xml)
    return folder


@pytest.fixture(scope="session")
def make_flow() -> Callable[..., bytes]:
    """flow_xml(label, body=..., start=..., process_type=..., status=..., description=...) -> bytes."""
    return flow_xml


@pytest.fixture(scope="session")
def test_flows() -> dict[str, bytes]:
    """ApiName -> XML of the flows the `org_state` org starts with."""
    return dict(TEST_FLOWS)


@pytest.fixture
def invocable_active() -> list[str]:
    """The test flows listed as actions (active, autolaunched, no trigger)."""
    return list(INVOCABLE_ACTIVE)


@pytest.fixture(scope="session")
def write_test_flows() -> Callable[[Path], Path]:
    """Write the test flows (TEST_FLOWS) into a folder."""
    return lambda folder: write_flows(folder, TEST_FLOWS)


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    return write_flows(tmp_path / "flows", TEST_FLOWS)


@pytest.fixture
def org_state(flows_dir: Path) -> Iterator[Any]:
    from salesforce_flow_mcp.localorg.store.state import OrgState

    state = OrgState.create(":memory:", flows_dir)
    yield state
    state.close()


@pytest.fixture
def demo_org_state() -> Iterator[Any]:
    from salesforce_flow_mcp.localorg.store.state import OrgState

    state = OrgState.create()
    yield state
    state.close()


def _client(state: Any, token: str | None) -> httpx2.AsyncClient:
    from salesforce_flow_mcp.localorg.app import create_org_app
    from salesforce_flow_mcp.localorg.store.state import DEMO_ACCESS_TOKEN

    headers = {"Authorization": f"Bearer {token or DEMO_ACCESS_TOKEN}"}
    transport = httpx2.ASGITransport(app=create_org_app(state))
    return httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1", headers=headers)


@pytest.fixture
async def org_client(org_state: Any) -> AsyncIterator[httpx2.AsyncClient]:
    """A client of an org over the test flows (TEST_FLOWS), authorised with the demo token."""
    async with _client(org_state, None) as client:
        yield client


@pytest.fixture
async def demo_org_client(demo_org_state: Any) -> AsyncIterator[httpx2.AsyncClient]:
    """A client of an org over the shipped demo flows."""
    async with _client(demo_org_state, None) as client:
        yield client


@pytest.fixture
def client_for() -> Callable[..., httpx2.AsyncClient]:
    """Build a client for any OrgState (and token): `async with client_for(state) as client: ...`."""
    return _client


# -- a real org server on loopback (uvicorn in a thread of its own) ---------------------------------------------------
@dataclass
class LiveOrg:
    base_url: str
    token: str
    ca_file: str | None  # the self-signed certificate to trust when served over https


def self_signed_cert(folder: Path) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from tests.support import self_signed_certificate

    key = ec.generate_private_key(ec.SECP256R1())
    cert_file, key_file = folder / "org-cert.pem", folder / "org-key.pem"
    cert_file.write_bytes(self_signed_certificate(key, "127.0.0.1", ip="127.0.0.1"))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_file), str(key_file)


@contextmanager
def live_org(
    flows: Path, *, db_path: str | None = None, tls_dir: Path | None = None, **options: Any
) -> Iterator[LiveOrg]:
    """serve_org on 127.0.0.1 with a free port, in a blocking portal's event loop; stopped on exit. `options` are
    serve_org's keyword arguments (partial_save=True, ...)."""
    import anyio.from_thread

    from salesforce_flow_mcp.localorg.serve import serve_org

    cert, key = self_signed_cert(tls_dir) if tls_dir is not None else (None, None)
    started = threading.Event()
    found: dict[str, str] = {}

    def ready(base_url: str, token: str) -> None:
        found.update(base_url=base_url, token=token)
        started.set()

    with anyio.from_thread.start_blocking_portal() as portal:
        future = portal.start_task_soon(
            functools.partial(serve_org, ssl_certfile=cert, ssl_keyfile=key, **options),
            "127.0.0.1",
            0,
            db_path,
            flows,
            "live-org-token",
            ready,
        )
        try:
            assert started.wait(20), "the org server did not start"
            yield LiveOrg(found["base_url"], found["token"], cert)
        finally:
            future.cancel()
            with suppress(concurrent.futures.CancelledError):
                future.result(timeout=20)


@pytest.fixture(scope="session")
def serve_live_org() -> Callable[..., Any]:
    """`with serve_live_org(flows_dir, db_path=..., tls_dir=...) as org:` -> LiveOrg(base_url, token, ca_file)."""
    return live_org
