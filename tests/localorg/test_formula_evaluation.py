"""How a compiled formula is evaluated: references through the resolver as written (and only on the branch taken),
the clock for NOW() and $Flow dates, UTC for naive datetimes, null as false, reuse across threads; and text
templates with merge fields."""

from __future__ import annotations

import datetime
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from salesforce_flow_mcp.localorg.flows.formula.compiler import (
    CompiledFormula,
    FormulaError,
    compile_formula,
    render_template,
    truthy,
)
from tests.localorg.formula_support import NOW, UTC, D, resolve, run


def test_merge_fields_go_through_the_resolver_as_written() -> None:
    asked: list[str] = []

    def recording(ref: str) -> Any:
        asked.append(ref)
        return {"userId": None, "contactId": "003000000000001", "Get_Opportunity.Name": "Big Deal"}[ref]

    # corpus: Send_Verification_Code and Generate_Deal_Room_Autolaunched
    who = compile_formula('IF(ISBLANK({!userId}), IF(ISBLANK({!contactId}), "", "Contact"), "User")')
    assert who.references == ("userId", "contactId")
    assert who.evaluate(recording) == "Contact"
    assert asked == ["userId", "contactId"]
    assert compile_formula("'Dealroom - ' + {!Get_Opportunity.Name}").evaluate(recording) == "Dealroom - Big Deal"


def test_untaken_branch_never_resolves_its_references() -> None:
    assert compile_formula("IF(TRUE, 1, {!missing})").evaluate(resolve) == D(1)


def test_resolver_value_wins_over_the_clock_for_flow_globals() -> None:
    fixed = datetime.date(2000, 1, 1)
    formula = compile_formula("{!$Flow.CurrentDate}")
    assert formula.evaluate(lambda ref: fixed, now=NOW) == fixed
    assert formula.evaluate(resolve, now=NOW) == NOW.date()


def test_now_defaults_to_the_current_utc_time() -> None:
    before = datetime.datetime.now(UTC)
    value = compile_formula("NOW()").evaluate(resolve)
    assert before <= value <= datetime.datetime.now(UTC)
    assert value.tzinfo is not None


def test_naive_datetimes_are_taken_as_utc() -> None:
    naive = datetime.datetime(2024, 1, 1, 8, 0)
    result = compile_formula("{!when} + 1").evaluate(lambda ref: naive, now=naive)
    assert result == datetime.datetime(2024, 1, 2, 8, 0, tzinfo=UTC)


def test_truthy_treats_null_as_false() -> None:
    assert truthy(run("{!nothing} > 1")) is False
    assert truthy(run("1 < 2")) is True


def test_a_compiled_formula_is_reusable_and_thread_safe() -> None:
    formula = compile_formula("TEXT({!n} * 2) & '-' & TEXT(TODAY())")
    assert isinstance(formula, CompiledFormula)
    assert formula.evaluate(lambda ref: 1, now=NOW) == "2-2024-03-15"
    assert formula.evaluate(lambda ref: 21, now=NOW + datetime.timedelta(days=1)) == "42-2024-03-16"

    def one(n: int) -> str:
        result: str = formula.evaluate(lambda ref: n, now=NOW)
        return result

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, range(400)))
    assert results == [f"{n * 2}-2024-03-15" for n in range(400)]


# --- text templates


def test_render_template_fills_merge_fields() -> None:
    # corpus: a textTemplate of the resort-credit recipe
    text = "Issued ${!amount} resort credit to {!count} customers."
    assert render_template(text, resolve) == "Issued $12.5 resort credit to 3 customers."


def test_render_template_nulls_dates_and_plain_text() -> None:
    assert render_template("[{!nothing}]", resolve) == "[]"
    assert render_template("Due {!start} at {!stamp}", resolve) == "Due 2024-01-31 at 2024-03-15 10:30:00Z"
    assert render_template("Today is {!$Flow.CurrentDate}", resolve, now=NOW) == "Today is 2024-03-15"
    assert render_template("no merge fields {here}", resolve) == "no merge fields {here}"
    assert render_template("unclosed {!amount", resolve) == "unclosed {!amount"
    assert render_template("{!flag}/{!amount}", resolve) == "true/12.5"


def test_render_template_names_an_unknown_reference() -> None:
    with pytest.raises(FormulaError, match=r"Unknown reference 'Get_User\.Name'"):
        render_template("Hello {!Get_User.Name}", resolve)
