"""The benchmark's own parts (bench/), fast: the generated flows are what the embedded org lists, describes and runs as
the benchmark expects, the statistics are right, and the report judges the goals as ratios to the floor."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

from bench.flows import ARGUMENTS, EXPECTED_TOTAL, flow_name, write_flows
from bench.measure import Latency, percentile
from bench.report import goals, render
from bench.scenarios import CallStats, Results, StartSample
from salesforce_flow_mcp.localorg.app import create_org_app
from salesforce_flow_mcp.localorg.store.state import OrgState

V = "/services/data/v59.0"


@pytest.mark.anyio
async def test_generated_flows_are_invocable_with_typed_inputs_and_run(tmp_path: Path) -> None:
    names = write_flows(tmp_path / "flows", 30)
    assert names == [flow_name(i) for i in range(1, 31)] and names[0] == "Bench_Flow_0001"
    state = OrgState.create(":memory:", tmp_path / "flows", access_token="T")
    try:
        transport = httpx2.ASGITransport(app=create_org_app(state))
        headers = {"Authorization": "Bearer T"}
        async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1", headers=headers) as org:
            listed = (await org.get(f"{V}/actions/custom/flow")).json()["actions"]
            assert sorted(a["name"] for a in listed) == names

            describe = (await org.get(f"{V}/actions/custom/flow/{names[-1]}")).json()
            inputs = {p["name"]: p["type"] for p in describe["inputs"]}
            expected = {"customerName": "STRING", "quantity": "DOUBLE", "unitPrice": "CURRENCY", "isRush": "BOOLEAN"}
            assert inputs == expected
            assert {"total", "summary"} <= {p["name"] for p in describe["outputs"]}

            ran = (await org.post(f"{V}/actions/custom/flow/{names[-1]}", json={"inputs": [ARGUMENTS]})).json()
            assert ran[0]["isSuccess"], ran
            outputs = ran[0]["outputValues"]
            assert outputs["total"] == EXPECTED_TOTAL and outputs["summary"] == "Ada ordered 3 (flow 0030)"
    finally:
        state.close()


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 0.5) == pytest.approx(5.5)
    assert percentile(values, 0.9) == pytest.approx(9.1)
    assert percentile([3.0], 0.9) == 3.0
    with pytest.raises(ValueError):
        percentile([], 0.5)


def _start(seconds: float) -> StartSample:
    return StartSample(seconds, 1000, 10, 9, 70_000, 2)


def test_report_judges_each_goal_as_a_ratio_to_the_floor() -> None:
    results = Results(counts=(1000,), latencies=(50,), repeats=1)
    results.floor_starts = [_start(0.5)]
    results.starts[(1000, 50, "cold")] = [_start(0.75)]  # 1.5x: exactly at the limit passes
    results.starts[(1000, 50, "warm")] = [_start(0.65)]  # 1.3x: over 1.2x fails
    results.calls = {
        "direct": CallStats(0.01, Latency((0.001,)), (1000.0,)),
        "floor": CallStats(0.01, Latency((0.002,)), (500.0,)),  # overhead 1 ms
        "server": CallStats(0.01, Latency((0.0023,)), (400.0,)),  # overhead 1.3 ms: 1.3x fails; 0.8x throughput fails
    }
    results.rss_kib = {"floor": 60_000, "server": 80_000}
    verdicts = {goal.name.split(",")[0].split(" (")[0]: (round(goal.ratio, 2), goal.passed) for goal in goals(results)}
    assert verdicts == {
        "cold start to tools/list": (1.5, True),
        "warm start to tools/list": (1.3, False),
        "per-call overhead over the direct call": (1.3, False),
        "throughput": (0.8, False),
        "peak RSS": (1.33, True),
    }
    page = render(results, "make bench")
    assert "| cold start to tools/list, 1000 flows, 50 ms | 750 ms | 500 ms | 1.50x | <= 1.5x | pass |" in page
    assert "**FAIL**" in page and "`make bench`" in page and "CPU:" in page


def test_report_shows_the_idle_org_api_calls_per_day_next_to_a_re_describe() -> None:
    from bench.idle import IdleCost

    results = Results(counts=(10,), latencies=(0,), repeats=1)
    results.idle = IdleCost(100, 25, 10, 5, 2.0, 107)
    text = render(results, "make bench")
    assert "| salesforce-flow-mcp | 2 | 576 | 3.8% |" in text
    assert "| naive re-describe | 107 | 30,816 | 205% |" in text
    (idle_goal,) = [g for g in goals(results) if "unchanged org" in g.name]
    assert idle_goal.passed
    results.idle = IdleCost(100, 25, 10, 5, 3.0, 107)
    assert not next(g for g in goals(results) if "unchanged org" in g.name).passed


def test_tuning_report_has_a_row_per_variant_against_the_tuning_off_and_replaces_its_section() -> None:
    from bench.tuning import HEADING, TuningResults, render, splice, variants

    results = TuningResults(count=10, latencies=(0,), repeats=1)
    for i, label in enumerate(variants()):
        results.seconds[(label, 0)] = [1.0 - i / 100]
        results.cpu[(label, 0)] = [0.5 - i / 100]
    section = render(results)
    rows = [line for line in section.splitlines() if line.startswith("| ") and "`" in line and "tricks" not in line]
    assert rows == [
        "| off | `off` | 1000 ms | 500 ms |",
        "| all (gc; the default) | `on` | 990 ms (-10) | 490 ms (-10) |",
    ]
    report = "# Benchmarks\n\n## Goals\n\nx\n\n## Method\n\ny\n"
    once = splice(report, section)
    assert once.index(HEADING) < once.index("## Method") and once.count(HEADING) == 1
    assert splice(once, section) == once


def test_engine_bench_runs_its_flows_and_writes_its_own_section(tmp_path: Path) -> None:
    """bench/engine.py: the 20-element flow runs 20 elements, the 200-input batch and the route finish, and the
    section replaces itself in the page without touching the rest."""
    from bench import engine

    results = engine.measure(seconds=0.05, bulk_repeats=1)
    assert results.single_elements == 20
    assert results.single_per_second > 0 and len(results.bulk_ms) == len(results.route_ms) == 1
    assert abs(sum(share for _, share in results.profile) - 100) < 0.5
    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n\nother sections\n", encoding="utf-8")
    engine.SECTION.write(page, engine.render(results, "make bench"))
    engine.SECTION.write(page, engine.render(results, "make bench"))
    text = page.read_text(encoding="utf-8")
    assert text.count("## Flow engine") == 1 and "other sections" in text
    assert "20-element flow" in text and "200 inputs in one transaction" in text
