"""Text, picklist and conversion functions (LEFT, FIND, SUBSTITUTE, TEXT, VALUE, ISPICKVAL, REGEX, ...)."""

from __future__ import annotations

import html
from decimal import Decimal, InvalidOperation
from typing import Any

from salesforce_flow_mcp.localorg.flows.formula import args as arg
from salesforce_flow_mcp.localorg.flows.formula import values as fv
from salesforce_flow_mcp.localorg.flows.formula.nodes import EvalContext, FunctionSpec
from salesforce_flow_mcp.localorg.flows.formula.regex import full_match
from salesforce_flow_mcp.localorg.flows.formula.values import FormulaError
from salesforce_flow_mcp.sfid import is_salesforce_id, to_18

_NUMBER_CHARS = frozenset("0123456789.+-")


def _left(ctx: EvalContext, a: list[Any]) -> str:
    text, count = arg.text("LEFT", a[0]), arg.integer("LEFT", a[1])
    return "" if count is None or count <= 0 else text[:count]


def _right(ctx: EvalContext, a: list[Any]) -> str:
    text, count = arg.text("RIGHT", a[0]), arg.integer("RIGHT", a[1])
    return "" if count is None or count <= 0 else text[-count:]


def _mid(ctx: EvalContext, a: list[Any]) -> str:
    text, start, count = arg.text("MID", a[0]), arg.integer("MID", a[1]), arg.integer("MID", a[2])
    if start is None or count is None or count <= 0:
        return ""
    begin = max(start, 1) - 1
    return text[begin : begin + count]


def _len(ctx: EvalContext, a: list[Any]) -> Decimal:
    return Decimal(len(arg.text("LEN", a[0])))


def _find(ctx: EvalContext, a: list[Any]) -> Decimal:
    """FIND(search, text[, start]): 1-based position, 0 when absent (case-sensitive)."""
    search, text = arg.text("FIND", a[0]), arg.text("FIND", a[1])
    start = arg.integer("FIND", a[2]) if len(a) > 2 else 1
    if not search or start is None or start < 1:
        return Decimal(0)
    return Decimal(text.find(search, start - 1) + 1)


def _contains(ctx: EvalContext, a: list[Any]) -> bool:
    return arg.text("CONTAINS", a[1]) in arg.text("CONTAINS", a[0])


def _begins(ctx: EvalContext, a: list[Any]) -> bool:
    return arg.text("BEGINS", a[0]).startswith(arg.text("BEGINS", a[1]))


def _substitute(ctx: EvalContext, a: list[Any]) -> str:
    text, old, new = (arg.text("SUBSTITUTE", value) for value in a)
    if not old:
        return text
    # Bound the result before building it: nested SUBSTITUTEs can grow text exponentially.
    if len(new) > len(old) and len(text) + text.count(old) * (len(new) - len(old)) > fv.MAX_TEXT_LENGTH:
        raise fv.text_too_long()
    return text.replace(old, new)


def _trim(ctx: EvalContext, a: list[Any]) -> str:
    return arg.text("TRIM", a[0]).strip(" \t")


def _pad(fn: str, a: list[Any], left: bool) -> str:
    text, length = arg.text(fn, a[0]), arg.integer(fn, a[1])
    pad = arg.text(fn, a[2]) if len(a) > 2 else " "
    if length is None or length <= 0:
        return ""
    if length > fv.MAX_TEXT_LENGTH:
        raise FormulaError(f"{fn}: the padded length {length} is longer than {fv.MAX_TEXT_LENGTH} characters")
    if len(text) >= length or not pad:
        return text[:length]
    filler = (pad * (length // len(pad) + 1))[: length - len(text)]
    return filler + text if left else text + filler


def _initcap(ctx: EvalContext, a: list[Any]) -> str:
    text = arg.text("INITCAP", a[0])
    out: list[str] = []
    start_of_word = True
    for ch in text:
        out.append(ch.upper() if start_of_word else ch.lower())
        start_of_word = ch.isspace()
    return "".join(out)


def _text(ctx: EvalContext, a: list[Any]) -> str:
    value = a[0]
    if isinstance(value, list | dict):
        raise arg.param_error("TEXT", "Number, Date, DateTime, Time or Text", value)
    return fv.to_text(value)


def parse_number(text: str) -> Decimal | None:
    """The number in a text (sign, digits, one decimal point), or None when it isn't one."""
    cleaned = text.strip()
    if not cleaned or len(cleaned) > 1000 or not set(cleaned) <= _NUMBER_CHARS:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _value(ctx: EvalContext, a: list[Any]) -> Decimal | None:
    text = arg.text("VALUE", a[0])
    if not text.strip():
        return None
    number = parse_number(text)
    if number is None:
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise FormulaError(f"VALUE: '{shown}' isn't a number")
    return fv.number_op(fv.NUMBER_CONTEXT.plus, number)


def _isnumber(ctx: EvalContext, a: list[Any]) -> bool:
    return parse_number(arg.text("ISNUMBER", a[0])) is not None


def _hyperlink(ctx: EvalContext, a: list[Any]) -> str:
    url, name = arg.text("HYPERLINK", a[0]), arg.text("HYPERLINK", a[1])
    target = arg.text("HYPERLINK", a[2]) if len(a) > 2 else "_blank"
    return f'<a href="{html.escape(url)}" target="{html.escape(target)}">{html.escape(name)}</a>'


def _casesafeid(ctx: EvalContext, a: list[Any]) -> str:
    value = arg.text("CASESAFEID", a[0])
    if not is_salesforce_id(value):
        raise FormulaError(f"CASESAFEID: '{value[:40]}' isn't a Salesforce Id")
    return to_18(value)


def _picklist_values(fn: str, value: Any) -> list[str]:
    if isinstance(value, list):
        return [arg.text(fn, item) for item in value]
    text = arg.text(fn, value)
    return [item.strip() for item in text.split(";")] if text else []


def _ispickval(ctx: EvalContext, a: list[Any]) -> bool:
    return arg.text("ISPICKVAL", a[0]) == arg.text("ISPICKVAL", a[1])


def _includes(ctx: EvalContext, a: list[Any]) -> bool:
    return arg.text("INCLUDES", a[1]) in _picklist_values("INCLUDES", a[0])


def _picklistcount(ctx: EvalContext, a: list[Any]) -> Decimal:
    return Decimal(len(_picklist_values("PICKLISTCOUNT", a[0])))


def _regex(ctx: EvalContext, a: list[Any]) -> bool:
    return full_match(arg.text("REGEX", a[0]), arg.text("REGEX", a[1]))


def _spec(name: str, min_args: int, max_args: int | None, impl: Any) -> tuple[str, FunctionSpec]:
    return name, FunctionSpec(name, min_args, max_args, impl)


TEXT_FUNCTIONS: dict[str, FunctionSpec] = dict(
    [
        _spec("LEFT", 2, 2, _left),
        _spec("RIGHT", 2, 2, _right),
        _spec("MID", 3, 3, _mid),
        _spec("LEN", 1, 1, _len),
        _spec("FIND", 2, 3, _find),
        _spec("CONTAINS", 2, 2, _contains),
        _spec("BEGINS", 2, 2, _begins),
        _spec("SUBSTITUTE", 3, 3, _substitute),
        _spec("UPPER", 1, 2, lambda ctx, a: arg.text("UPPER", a[0]).upper()),
        _spec("LOWER", 1, 2, lambda ctx, a: arg.text("LOWER", a[0]).lower()),
        _spec("TRIM", 1, 1, _trim),
        _spec("LPAD", 2, 3, lambda ctx, a: _pad("LPAD", a, left=True)),
        _spec("RPAD", 2, 3, lambda ctx, a: _pad("RPAD", a, left=False)),
        _spec("INITCAP", 1, 1, _initcap),
        _spec("REVERSE", 1, 1, lambda ctx, a: arg.text("REVERSE", a[0])[::-1]),
        _spec("TEXT", 1, 1, _text),
        _spec("VALUE", 1, 1, _value),
        _spec("ISNUMBER", 1, 1, _isnumber),
        _spec("BR", 0, 0, lambda ctx, a: "<br>"),
        _spec("HYPERLINK", 2, 3, _hyperlink),
        _spec("CASESAFEID", 1, 1, _casesafeid),
        _spec("ISPICKVAL", 2, 2, _ispickval),
        _spec("INCLUDES", 2, 2, _includes),
        _spec("PICKLISTCOUNT", 1, 1, _picklistcount),
        _spec("REGEX", 2, 2, _regex),
    ]
)
