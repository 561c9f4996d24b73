"""Hostile formulas: a clear FormulaError, never RecursionError or MemoryError, and the call returns (worker threads
included: the org evaluates flows in threads with smaller stacks); catastrophic regex backtracking and exponential
text growth are stopped."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from salesforce_flow_mcp.localorg.flows.formula.compiler import (
    MAX_NESTING,
    FormulaError,
    compile_formula,
)
from tests.localorg.formula_support import D, resolve, run

HOSTILE: list[tuple[str, str]] = [
    ("(" * 10_000 + "1" + ")" * 10_000, "Formula is longer than"),
    ("IF(TRUE, " * 10_000 + "1" + ", 0)" * 10_000, "Formula is longer than"),
    ("(" * 1_000 + "1" + ")" * 1_000, f"nesting deeper than {MAX_NESTING}"),
    ("IF(TRUE, " * 1_000 + "1" + ", 0)" * 1_000, f"nesting deeper than {MAX_NESTING}"),
    ("NOT(" * 300, f"nesting deeper than {MAX_NESTING}"),
    ("-" * 10_000 + "1", f"nesting deeper than {MAX_NESTING}"),
    ("1" * 5_000_000, "Formula is longer than"),
    ("'" + "x" * 5_000_000 + "'", "Formula is longer than"),
]
HOSTILE_IDS = ["parens-10k", "nested-if-10k", "parens-1k", "nested-if-1k", "unclosed", "unary", "5MB", "5MB-text"]


@pytest.mark.parametrize(("formula", "message"), HOSTILE, ids=HOSTILE_IDS)
def test_hostile_formula_is_refused(formula: str, message: str) -> None:
    with pytest.raises(FormulaError, match=message):
        compile_formula(formula)


def test_hostile_formula_is_refused_in_a_worker_thread() -> None:
    # The org evaluates flows in worker threads, whose stacks are smaller than the main thread's.
    outcome: list[BaseException] = []

    def attempt() -> None:
        try:
            compile_formula("IF(TRUE, " * 1_000 + "1" + ", 0)" * 1_000)
        except BaseException as exc:  # record whatever happens, including RecursionError
            outcome.append(exc)

    worker = threading.Thread(target=attempt)
    worker.start()
    worker.join()
    assert len(outcome) == 1 and isinstance(outcome[0], FormulaError)
    assert "nesting deeper than" in str(outcome[0])


def test_deepest_allowed_formula_still_evaluates_in_a_worker_thread() -> None:
    depth = MAX_NESTING - 1
    formula = compile_formula("IF(TRUE, " * depth + "1" + ", 0)" * depth)
    results: list[Any] = []
    worker = threading.Thread(target=lambda: results.append(formula.evaluate(resolve)))
    worker.start()
    worker.join()
    assert results == [D(1)]


def test_long_flat_chains_evaluate_without_recursion() -> None:
    assert run("+".join(["1"] * 5000)) == D(5000)
    assert run("MAX(" + ",".join(str(n) for n in range(3000)) + ")") == D(2999)


def test_exponential_text_growth_is_stopped() -> None:
    formula = "'aaaaaaaaaa'"
    for _ in range(10):
        formula = f"SUBSTITUTE({formula}, 'a', 'aaaaaaaaaa')"
    with pytest.raises(FormulaError, match="longer than"):
        run(formula)


def test_regex_does_not_backtrack_catastrophically() -> None:
    # (a+)+$ takes Python's re exponential time on this input; the NFA answers at once.
    assert run("REGEX('" + "a" * 40 + "!', '(a+)+')") is False
    assert run("REGEX('" + "a" * 40 + "', '(a|aa)*')") is True
    with pytest.raises(FormulaError, match="too complex"):
        run("REGEX('a', '((a{100}){100}){100}')")


def test_compile_formula_is_safe_from_many_threads() -> None:
    def one(n: int) -> Any:
        return compile_formula(f"IF({n} > 50, 'big' & TEXT({n}), LEFT('small{n}', 20))").evaluate(resolve)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, range(200)))
    assert results == [f"big{n}" if n > 50 else f"small{n}" for n in range(200)]
