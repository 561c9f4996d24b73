"""Math functions (ROUND, CEILING, FLOOR, MOD, SQRT, MAX, ...) on Decimal numbers; a null argument gives null."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from salesforce_flow_mcp.localorg.flows.formula import args as arg
from salesforce_flow_mcp.localorg.flows.formula import values as fv
from salesforce_flow_mcp.localorg.flows.formula.nodes import EvalContext, FunctionSpec
from salesforce_flow_mcp.localorg.flows.formula.values import NUMBER_CONTEXT, FormulaError

_ONE = Decimal(1)


def _unary(fn: str, op: Callable[[Decimal], Decimal]) -> Callable[[EvalContext, list[Any]], Decimal | None]:
    def impl(ctx: EvalContext, a: list[Any]) -> Decimal | None:
        number = arg.number(fn, a[0])
        return None if number is None else op(number)

    return impl


def _integral(rounding: str) -> Callable[[Decimal], Decimal]:
    return lambda number: fv.number_op(lambda n: n.to_integral_value(rounding=rounding, context=NUMBER_CONTEXT), number)


def _round_to(fn: str, rounding: str, a: list[Any]) -> Decimal | None:
    number = arg.number(fn, a[0])
    digits = arg.integer(fn, a[1]) if len(a) > 1 else 0
    if number is None or digits is None:
        return None
    if digits >= NUMBER_CONTEXT.prec:
        return number
    if digits < -NUMBER_CONTEXT.prec:
        return Decimal(0)
    result = fv.number_op(lambda n: n.quantize(_ONE.scaleb(-digits), rounding=rounding, context=NUMBER_CONTEXT), number)
    # ROUND(1234, -2) is 1200, not 1.2E+3.
    return result.quantize(_ONE, context=NUMBER_CONTEXT) if digits < 0 else result


def _nonnegative(fn: str, op: Callable[[Decimal], Decimal], strict: bool) -> Callable[[Decimal], Decimal]:
    def checked(number: Decimal) -> Decimal:
        if number < 0 or (strict and number == 0):
            bound = "greater than zero" if strict else "zero or more"
            raise FormulaError(f"{fn}: the number must be {bound}, received {fv.format_number(number)}")
        return fv.number_op(op, number)

    return checked


def _mod(ctx: EvalContext, a: list[Any]) -> Decimal | None:
    number, divisor = arg.number("MOD", a[0]), arg.number("MOD", a[1])
    if number is None or divisor is None:
        return None
    if divisor == 0:
        raise FormulaError("Division by zero")
    return fv.number_op(NUMBER_CONTEXT.remainder, number, divisor)


def _extreme(fn: str, pick: Callable[..., Any]) -> Callable[[EvalContext, list[Any]], Any]:
    """MAX/MIN over Numbers (or over Dates/DateTimes of one kind); any null gives null."""

    def impl(ctx: EvalContext, a: list[Any]) -> Any:
        kind = fv.type_name(next((value for value in a if value is not None), None))
        for value in a:
            if value is not None and fv.type_name(value) != kind:
                raise arg.param_error(fn, kind, value)
            if value is not None and not isinstance(value, Decimal | datetime.date):
                raise arg.param_error(fn, "Number", value)
        if any(value is None for value in a):
            return None
        return pick(a)

    return impl


def _spec(name: str, min_args: int, max_args: int | None, impl: Any) -> tuple[str, FunctionSpec]:
    return name, FunctionSpec(name, min_args, max_args, impl)


MATH_FUNCTIONS: dict[str, FunctionSpec] = dict(
    [
        _spec("ABS", 1, 1, _unary("ABS", lambda n: fv.number_op(NUMBER_CONTEXT.abs, n))),
        # Salesforce: CEILING rounds away from zero, FLOOR towards zero; MCEILING/MFLOOR are the mathematical ones.
        _spec("CEILING", 1, 1, _unary("CEILING", _integral(decimal.ROUND_UP))),
        _spec("FLOOR", 1, 1, _unary("FLOOR", _integral(decimal.ROUND_DOWN))),
        _spec("MCEILING", 1, 1, _unary("MCEILING", _integral(decimal.ROUND_CEILING))),
        _spec("MFLOOR", 1, 1, _unary("MFLOOR", _integral(decimal.ROUND_FLOOR))),
        _spec("ROUND", 2, 2, lambda ctx, a: _round_to("ROUND", decimal.ROUND_HALF_UP, a)),
        _spec("TRUNC", 1, 2, lambda ctx, a: _round_to("TRUNC", decimal.ROUND_DOWN, a)),
        _spec("MOD", 2, 2, _mod),
        _spec("SQRT", 1, 1, _unary("SQRT", _nonnegative("SQRT", NUMBER_CONTEXT.sqrt, strict=False))),
        _spec("EXP", 1, 1, _unary("EXP", lambda n: fv.number_op(NUMBER_CONTEXT.exp, n))),
        _spec("LN", 1, 1, _unary("LN", _nonnegative("LN", NUMBER_CONTEXT.ln, strict=True))),
        _spec("LOG", 1, 1, _unary("LOG", _nonnegative("LOG", NUMBER_CONTEXT.log10, strict=True))),
        _spec("MAX", 1, None, _extreme("MAX", max)),
        _spec("MIN", 1, None, _extreme("MIN", min)),
    ]
)
