"""Hostile input over stdio: every line a client writes gets an answer, and the server keeps serving.

The lines come from bench/fuzz.py (seeded): tool calls with fuzzed arguments, and lines the mcp SDK's own stdio
transport drops without a reply (lone surrogates, deep nesting, a BOM, a NUL after the JSON, `"jsonrpc": "1.0"`,
non-string methods, array params, batches, garbage). Answers follow JSON-RPC 2.0 section 5.1: the request's id when
it can be read, `null` otherwise (https://www.jsonrpc.org/specification#response_object).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.fuzz import fuzz_lines
from bench.soak import FuzzReport, demo_server, drive


@pytest.mark.anyio
@pytest.mark.slow
async def test_every_fuzzed_line_gets_an_answer(tmp_path: Path) -> None:
    lines = list(fuzz_lines(seed=1515, count=300, hostile_share=0.5))
    async with demo_server(tmp_path / "stderr.log") as process:
        report: FuzzReport = await drive(process, lines, wait=30)
        # ...and the same session still serves an ordinary call afterwards.
        follow_up = await drive(process, fuzz_lines(seed=7, count=3, hostile_share=0.0), wait=30)
    assert report.answered == 300 and follow_up.answered == 3
    assert report.by_code["error -32700"] > 0 and report.by_code["error -32600"] > 0, report.by_code
    assert report.by_code["tool error"] > 0 and report.by_code["result"] > 0, report.by_code
    assert "Traceback" not in (tmp_path / "stderr.log").read_text(errors="replace")


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("lone surrogate", -32700),
        ("deep nesting", -32700),
        ("nul after json", -32700),
        ("jsonrpc 1.0", -32600),
        ("no jsonrpc", -32600),
        ("method not a string", -32600),
        ("params array", -32600),
        ("batch", -32600),
        ("garbage", -32700),
        ("float id", -32600),
    ],
)
def test_each_kind_of_bad_line_is_answered_with_its_error(kind: str, code: int) -> None:
    from salesforce_flow_mcp.stdio_guard import check_line

    line = next(line for line in fuzz_lines(seed=3, count=20_000, hostile_share=1.0) if line.kind == kind)
    text, refusal = check_line(line.raw)
    assert text is None and refusal is not None
    assert refusal.error.code == code and refusal.id == line.expect_id, refusal


def test_a_bom_is_dropped_and_the_request_served() -> None:
    from salesforce_flow_mcp.stdio_guard import check_line

    text, refusal = check_line(b'\xef\xbb\xbf{"jsonrpc":"2.0","id":3,"method":"tools/list"}\n')
    assert refusal is None and text == '{"jsonrpc":"2.0","id":3,"method":"tools/list"}'


def test_the_soak_section_is_written_once_and_kept(tmp_path: Path) -> None:
    from bench.soak import SECTION, render

    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n\nbench figures\n", encoding="utf-8")
    report = FuzzReport(lines=10, answered=10, rss_kib=[80 * 1024, 90 * 1024, 100 * 1024], seconds=1.0)
    report.by_code["result"] = 10
    SECTION.write(page, render(report, 10, 15))
    SECTION.write(page, render(report, 10, 15))  # again: replaced, not appended
    text = page.read_text(encoding="utf-8")
    assert text.count("## Soak") == 1 and "bench figures" in text and "1.25x" in text
    assert SECTION.existing(page).startswith("<!-- soak") and all(len(line) <= 120 for line in text.splitlines())
