"""A benchmark's own section of docs/benchmarks.md, between two HTML comments, so each benchmark rewrites only its
section and `make bench` keeps the others."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class Section:
    start: str  # the opening comment, e.g. "<!-- soak: written by make soak -->"
    end: str  # the closing comment, e.g. "<!-- /soak -->"

    def wrap(self, lines: Iterable[str]) -> str:
        """The section's text: the lines between its two comments."""
        return "\n".join([self.start, *lines, self.end])

    def existing(self, page: Path) -> str:
        """The section as the page has it now ("" when the page or the section is missing)."""
        try:
            text = page.read_text(encoding="utf-8")
        except OSError:
            return ""
        start, end = text.find(self.start), text.find(self.end)
        return text[start : end + len(self.end)] if 0 <= start < end else ""

    def write(self, page: Path, section: str) -> None:
        """Replace the section in the page, or add it at the end."""
        text = page.read_text(encoding="utf-8") if page.exists() else "# Benchmarks\n"
        old = self.existing(page)
        text = text.replace(old, section) if old else text.rstrip("\n") + "\n\n" + section
        page.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def bench_arguments(prog: str, doc: str) -> argparse.ArgumentParser:
    """A benchmark's command line: its docstring's first line as the description, and `--output` (the page its
    section is written into, docs/benchmarks.md by default)."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.split("\n")[0])
    parser.add_argument("--output", type=Path, default=PAGE)
    return parser
