"""bench/remote_load.py's section of docs/benchmarks.md: rendered from figures, replaced in place on a re-run."""

from __future__ import annotations

from pathlib import Path

from bench.remote_load import SECTION, render

FIGURES = {
    1: {"calls": 2000, "failures": 0, "throughput": 100.0, "p50": 200.0, "p99": 900.0},
    2: {"calls": 2000, "failures": 0, "throughput": 80.0, "p50": 300.0, "p99": 1800.0},
}


def test_the_section_has_the_ratios_and_replaces_itself(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n\nother section\n")
    section = render(FIGURES, 50, "python -m bench.remote_load")
    assert (
        "| throughput (calls/s) | 100 | 80 | 0.80x |" in section
        and "| p99 latency (ms) | 900 | 1800 | 2.00x |" in section
    )
    assert all(len(line) <= 120 for line in section.splitlines())
    SECTION.write(page, section)
    SECTION.write(page, section.replace("0.80x", "0.90x"))
    text = page.read_text()
    assert text.count(SECTION.start) == 1 and text.count(SECTION.end) == 1
    assert "0.90x" in text and "0.80x" not in text and "other section" in text
