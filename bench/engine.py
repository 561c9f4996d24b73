"""Engine throughput (part of `make bench`): interviews per second for a 20-element flow, a 200-record bulk invoke
(in process and over the org's invoke route), and where the time goes (cProfile, grouped by engine module).

    .venv/bin/python -m bench.engine [--seconds 3] [--output docs/benchmarks.md]

In process, on one thread, against an in-memory org: the figures compare later changes of the engine with this
one; they say nothing about a real org. The result is the "Flow engine" section of docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.sections import Section, bench_arguments
from salesforce_flow_mcp.localorg.flows.engine.batch import run_batch
from salesforce_flow_mcp.localorg.flows.engine.flow_engine import FlowEngine
from salesforce_flow_mcp.localorg.flows.model import Flow
from salesforce_flow_mcp.localorg.flows.parse.loader import parse_flow
from salesforce_flow_mcp.localorg.store.records import RecordStore

SECTION = Section("<!-- engine: written by make bench (bench/engine.py) -->", "<!-- /engine -->")
NS = "http://soap.sforce.com/2006/04/metadata"
BULK = 200

# Where a profile's time is counted: the first matching module path wins.
GROUPS = (
    ("formulas (flows/formula)", "/flows/formula/"),
    ("record store and SQLite (store/records.py)", "/store/records.py"),
    ("record elements (engine/record_elements.py)", "/engine/record_elements.py"),
    ("conditions (engine/conditions.py)", "/engine/conditions.py"),
    ("values and coercion (engine/values.py)", "/engine/values.py"),
    ("references and variables (engine/interview_state.py)", "/engine/interview_state.py"),
    ("other elements (engine/elements.py, transforms.py)", "/engine/elements.py"),
    ("walk, transaction, batch (flow_engine, governor, batch)", "/flows/engine/"),
    ("json (stdlib)", "/json/"),
)


def _assign(name: str, target: str, operator: str, value: str, then: str) -> str:
    return (
        f"<assignments><name>{name}</name><label>{name}</label><assignmentItems><assignToReference>{target}"
        f"</assignToReference><operator>{operator}</operator><value>{value}</value></assignmentItems>"
        f"<connector><targetReference>{then}</targetReference></connector></assignments>"
    )


def twenty_element_flow() -> Flow:
    """Get Records, a decision, 16 assignments (numbers, text, a formula), a second decision and Create Records:
    20 executed elements per interview."""
    steps = []
    for i in range(16):
        then = f"Step_{i + 1}" if i < 15 else "Check_Total"
        if i % 4 == 0:
            steps.append(_assign(f"Step_{i}", "total", "Add", "<elementReference>quantity</elementReference>", then))
        elif i % 4 == 1:
            steps.append(_assign(f"Step_{i}", "note", "Add", "<stringValue>+</stringValue>", then))
        elif i % 4 == 2:
            steps.append(_assign(f"Step_{i}", "total", "Add", "<elementReference>Discount</elementReference>", then))
        else:
            steps.append(_assign(f"Step_{i}", "count", "Add", "<numberValue>1</numberValue>", then))
    body = (
        "<variables><name>quantity</name><dataType>Number</dataType><isCollection>false</isCollection>"
        "<isInput>true</isInput><isOutput>false</isOutput><scale>2</scale></variables>"
        "<variables><name>name</name><dataType>String</dataType><isCollection>false</isCollection>"
        "<isInput>true</isInput><isOutput>false</isOutput></variables>"
        "<variables><name>total</name><dataType>Number</dataType><isCollection>false</isCollection>"
        "<isInput>false</isInput><isOutput>true</isOutput><scale>2</scale><value><numberValue>0</numberValue>"
        "</value></variables>"
        "<variables><name>count</name><dataType>Number</dataType><isCollection>false</isCollection>"
        "<isInput>false</isInput><isOutput>true</isOutput><scale>0</scale></variables>"
        "<variables><name>note</name><dataType>String</dataType><isCollection>false</isCollection>"
        "<isInput>false</isInput><isOutput>true</isOutput></variables>"
        "<formulas><name>Discount</name><dataType>Number</dataType><expression>IF({!quantity} &gt; 10, "
        "-ROUND({!quantity} * 0.05, 2), 0)</expression><scale>2</scale></formulas>"
        "<recordLookups><name>Find_Parent</name><label>Find Parent</label><object>Account</object><filters>"
        "<field>Name</field><operator>EqualTo</operator><value><stringValue>Parent</stringValue></value></filters>"
        "<getFirstRecordOnly>true</getFirstRecordOnly><storeOutputAutomatically>true</storeOutputAutomatically>"
        "<connector><targetReference>Has_Parent</targetReference></connector></recordLookups>"
        "<decisions><name>Has_Parent</name><label>Has Parent</label><defaultConnector><targetReference>Step_0"
        "</targetReference></defaultConnector><rules><name>Yes</name><conditionLogic>and</conditionLogic><conditions>"
        "<leftValueReference>Find_Parent</leftValueReference><operator>IsNull</operator><rightValue><booleanValue>"
        "false</booleanValue></rightValue></conditions><connector><targetReference>Step_0</targetReference>"
        "</connector><label>Yes</label></rules></decisions>"
        + "".join(steps)
        + "<decisions><name>Check_Total</name><label>Check Total</label><defaultConnector><targetReference>Save"
        "</targetReference></defaultConnector><rules><name>Big</name><conditionLogic>and</conditionLogic><conditions>"
        "<leftValueReference>total</leftValueReference><operator>GreaterThan</operator><rightValue><numberValue>1000"
        "</numberValue></rightValue></conditions><connector><targetReference>Save</targetReference></connector>"
        "<label>Big</label></rules></decisions>"
        "<recordCreates><name>Save</name><label>Save</label><object>Contact</object><inputAssignments><field>LastName"
        "</field><value><elementReference>name</elementReference></value></inputAssignments></recordCreates>"
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><Flow xmlns="{NS}"><apiVersion>62.0</apiVersion>'
        "<label>Bench Twenty</label><processType>AutoLaunchedFlow</processType><start><connector>"
        f"<targetReference>Find_Parent</targetReference></connector></start><status>Active</status>{body}</Flow>"
    )
    return parse_flow(xml.encode(), "Bench_Twenty")


@dataclass
class EngineResults:
    single_per_second: float = 0.0
    single_elements: int = 0
    bulk_ms: list[float] = field(default_factory=list)
    route_ms: list[float] = field(default_factory=list)
    profile: list[tuple[str, float]] = field(default_factory=list)
    profile_calls: int = 0
    load: float = 0.0


def _engine() -> tuple[FlowEngine, RecordStore, sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    store = RecordStore(conn)
    store.insert("Account", {"Name": "Parent"})
    return FlowEngine(store, lambda name: None), store, conn


def _inputs(i: int) -> dict[str, Any]:
    return {"quantity": 12 + i % 5, "name": f"Bench {i}"}


def _repeat_for(seconds: float, fn: Callable[[], None]) -> tuple[int, float]:
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        fn()
        count += 1
    return count, elapsed


def measure(seconds: float = 3.0, bulk_repeats: int = 7) -> EngineResults:
    flow = twenty_element_flow()
    results = EngineResults()
    engine, _store, conn = _engine()
    outcome = engine.run(flow, _inputs(0))
    assert outcome.status == "Finished", outcome.error_message
    results.single_elements = outcome.elements_executed
    counter = iter(range(10**9))
    runs, elapsed = _repeat_for(seconds, lambda: engine.run(flow, _inputs(next(counter))) and None)
    results.single_per_second = runs / elapsed
    for _ in range(bulk_repeats):
        started = time.perf_counter()
        outcomes = run_batch(engine, flow, [_inputs(i) for i in range(BULK)])
        results.bulk_ms.append((time.perf_counter() - started) * 1000)
        assert all(o.status == "Finished" for o in outcomes)
    conn.close()
    results.route_ms = asyncio.run(_route(flow, bulk_repeats))
    results.profile, results.profile_calls = _profile(flow)
    results.load = os.getloadavg()[0]
    return results


async def _route(flow: Flow, repeats: int) -> list[float]:
    """The same bulk invoke through the org's HTTP route (in-process ASGI): JSON in and out, the org's lock."""
    import httpx2

    from salesforce_flow_mcp.localorg.app import create_org_app
    from salesforce_flow_mcp.localorg.store.state import DEMO_ACCESS_TOKEN, OrgState

    with tempfile.TemporaryDirectory() as folder:
        state = OrgState.create(":memory:", Path(folder))
        try:
            state.add_flow(flow, activate=True)
            state.records.insert("Account", {"Name": "Parent"})
            transport = httpx2.ASGITransport(app=create_org_app(state))
            headers = {"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"}
            body = {"inputs": [_inputs(i) for i in range(BULK)]}
            timings = []
            async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1", headers=headers) as client:
                for _ in range(repeats):
                    started = time.perf_counter()
                    reply = await client.post("/services/data/v62.0/actions/custom/flow/Bench_Twenty", json=body)
                    timings.append((time.perf_counter() - started) * 1000)
                    assert reply.status_code == 200, reply.text[:300]
            return timings
        finally:
            state.close()


def _profile(flow: Flow) -> tuple[list[tuple[str, float]], int]:
    engine, _store, conn = _engine()
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(300):
        engine.run(flow, _inputs(i))
    run_batch(engine, flow, [_inputs(i) for i in range(BULK)])
    profiler.disable()
    conn.close()
    stats = pstats.Stats(profiler)
    own: dict[str, float] = {}
    total = 0.0
    for (path, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        total += tottime
        group = next((label for label, part in GROUPS if part in path), "other (stdlib, sqlite3 module, Python)")
        if path == "~" and "sqlite3" in _name:
            group = "record store and SQLite (store/records.py)"
        own[group] = own.get(group, 0.0) + tottime
    shares = sorted(((group, 100 * t / total) for group, t in own.items()), key=lambda item: -item[1])
    return shares, 300 + BULK


def render(results: EngineResults, command: str) -> str:
    bulk = statistics.median(results.bulk_ms)
    route = statistics.median(results.route_ms)
    lines = [
        "## Flow engine",
        "",
        f"`{command}`; one thread, in process, an in-memory org. For comparing later engine changes with this one.",
        "",
        "| measure | result |",
        "|---|---|",
        f"| one interview of a {results.single_elements}-element flow (Get Records, 2 decisions, 16 assignments, a "
        f"formula, Create Records), each its own transaction | {results.single_per_second:,.0f} interviews/s |",
        f"| {BULK} inputs in one transaction (`run_batch`: bulkified, one query and one DML statement in all) | "
        f"{bulk:,.0f} ms ({BULK / bulk * 1000:,.0f} interviews/s) |",
        f"| the same {BULK}-input invoke through `POST /actions/custom/flow/{{name}}` (JSON, route, org lock) | "
        f"{route:,.0f} ms |",
        "",
        f"Where the time goes (cProfile own time over {results.profile_calls} interviews, by engine module):",
        "",
        "| part | share |",
        "|---|---|",
    ]
    lines += [f"| {group} | {share:.0f}% |" for group, share in results.profile if share >= 1]
    per_single = 1000 / results.single_per_second
    per_bulk = bulk / BULK
    top = ", ".join(f"{group} ({share:.0f}%)" for group, share in results.profile[:3])
    lines += [
        "",
        f"Reading it: in one transaction an interview costs {per_bulk:.2f} ms against {per_single:.2f} ms on its own "
        f"({per_bulk / per_single:.2f}x): the batch walks the interviews in lock step so that those at the same "
        "element share one query or DML statement, which saves governor limits (one SOQL query instead of 200) "
        f"rather than engine time. The largest shares are {top}. Through the route (JSON in and out, the hop to the "
        f"org's worker thread) the invoke took {route / bulk:.2f}x the in-process batch. Load average while "
        f"measuring: {results.load:.1f} (the machine is shared), so compare ratios from one run, not figures across "
        "runs.",
    ]
    return SECTION.wrap(lines)


def main(argv: list[str] | None = None) -> int:
    parser = bench_arguments("python -m bench.engine", __doc__ or "")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to repeat single interviews")
    args = parser.parse_args(argv)
    section = render(measure(args.seconds), "make bench")
    SECTION.write(args.output, section)
    print(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
