"""The Salesforce formula language for the embedded org's flow engine: compile once, evaluate many times.

    compiled = compile_formula("IF(ISBLANK({!userId}), 'Contact', 'User')")
    compiled.evaluate(resolve)          # resolve("userId") -> value | None; KeyError for an unknown reference

Values: str (Text), Decimal (Number), bool, date, datetime (UTC aware), time, None (null), list, dict.
A Boolean result can be None (a comparison with null); Salesforce treats it as false.
`render_template` fills text templates: literal text with {!merge.field} parts, a null renders as "".
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from functools import partial
from typing import Any

from salesforce_flow_mcp.localorg import datetimes
from salesforce_flow_mcp.localorg.flows.formula import values as fv
from salesforce_flow_mcp.localorg.flows.formula.functions import FUNCTIONS, is_blank
from salesforce_flow_mcp.localorg.flows.formula.nodes import EvalContext, Node, references
from salesforce_flow_mcp.localorg.flows.formula.parser import MAX_FORMULA_LENGTH, MAX_NESTING, parse
from salesforce_flow_mcp.localorg.flows.formula.values import MAX_TEXT_LENGTH, FormulaError, to_text, type_name

__all__ = [
    "FUNCTIONS",
    "MAX_FORMULA_LENGTH",
    "MAX_NESTING",
    "MAX_TEXT_LENGTH",
    "CompiledFormula",
    "FormulaError",
    "compile_formula",
    "is_blank",
    "render_template",
    "to_text",
    "truthy",
    "type_name",
]

Resolver = Callable[[str], Any]


def _clock(now: datetime.datetime | None) -> datetime.datetime:
    if now is None:
        return datetimes.now()
    result: datetime.datetime = fv.normalize(now)
    return result


def _run(action: Callable[[], Any]) -> Any:
    """Turn the rare Python-level failure (date overflow, a decimal signal) into a FormulaError."""
    try:
        return action()
    except FormulaError:
        raise
    except RecursionError:
        raise FormulaError(f"Formula nesting deeper than {MAX_NESTING} levels") from None
    except (ArithmeticError, decimal.InvalidOperation, OverflowError, ValueError) as exc:
        raise FormulaError(f"The formula can't be evaluated: {exc}") from None


class CompiledFormula:
    """A parsed formula; thread-safe and reusable (evaluation keeps no state between calls)."""

    __slots__ = ("_root", "references", "source")

    def __init__(self, source: str, root: Node) -> None:
        self.source = source
        self._root = root
        # Every merge-field reference as written (without {! }), e.g. ("userId", "$Flow.CurrentDate").
        self.references: tuple[str, ...] = references(root)

    def evaluate(self, resolve: Resolver, *, now: datetime.datetime | None = None) -> Any:
        ctx = EvalContext(resolve, _clock(now))
        return _run(lambda: self._root.ev(ctx))

    def __repr__(self) -> str:
        shown = self.source if len(self.source) <= 60 else self.source[:57] + "..."
        return f"CompiledFormula({shown!r})"


def compile_formula(text: str) -> CompiledFormula:
    """Parse a formula once; FormulaError for a syntax error, unknown function, wrong arity or oversized input."""
    return CompiledFormula(text, parse(text))


def truthy(value: Any) -> bool:
    """A Boolean formula result as a flow decision sees it: null is false."""
    return value is True


def render_template(text: str, resolve: Resolver, *, now: datetime.datetime | None = None) -> str:
    """Literal text with {!merge.field} parts replaced by the value as text (null is ""); an unclosed {! stays text."""
    ctx = EvalContext(resolve, _clock(now))
    parts: list[str] = []
    size = 0
    index = 0
    while True:
        start = text.find("{!", index)
        end = text.find("}", start + 2) if start >= 0 else -1
        if end < 0:
            parts.append(text[index:])
            break
        ref = text[start + 2 : end].strip()
        value = to_text(_run(partial(ctx.lookup, ref))) if ref else text[start : end + 1]
        parts.extend((text[index:start], value))
        size += end + 1 - index + len(value)
        if size > MAX_TEXT_LENGTH:
            raise fv.text_too_long()
        index = end + 1
    return "".join(parts)
