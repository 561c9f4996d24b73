"""The function table (name -> FunctionSpec) and the logical functions, which evaluate their arguments lazily."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from salesforce_flow_mcp.localorg.flows.formula import values as fv
from salesforce_flow_mcp.localorg.flows.formula.functions_date import DATE_FUNCTIONS
from salesforce_flow_mcp.localorg.flows.formula.functions_encode import ENCODE_FUNCTIONS
from salesforce_flow_mcp.localorg.flows.formula.functions_math import MATH_FUNCTIONS
from salesforce_flow_mcp.localorg.flows.formula.functions_text import TEXT_FUNCTIONS
from salesforce_flow_mcp.localorg.flows.formula.nodes import EvalContext, FunctionSpec, logic_and, logic_or
from salesforce_flow_mcp.localorg.flows.formula.values import FormulaError

Thunk = Callable[[], Any]


def is_blank(value: Any) -> bool:
    """ISBLANK: null, "" and an empty collection are blank; 0, " " and FALSE are not."""
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


def _if(ctx: EvalContext, a: list[Thunk]) -> Any:
    # Only the chosen branch runs, so IF(x = 0, 0, 1 / x) is safe; a null condition takes the else branch.
    truth = fv.condition(a[0](), "function 'IF()'")
    return a[1]() if truth else a[2]()


def _case(ctx: EvalContext, a: list[Thunk]) -> Any:
    """CASE(expression, value1, result1, ..., else_result): the first equal value wins."""
    subject = a[0]()
    for index in range(1, len(a) - 1, 2):
        candidate = a[index]()
        try:
            matched = fv.equals(subject, candidate)
        except FormulaError:
            raise FormulaError(
                "Incorrect parameter type for function 'CASE()'. "
                f"Expected {fv.type_name(subject)}, received {fv.type_name(candidate)}"
            ) from None
        if matched:
            return a[index + 1]()
    return a[-1]()


def _not(ctx: EvalContext, a: list[Any]) -> bool | None:
    truth = fv.condition(a[0], "function 'NOT()'")
    return None if truth is None else not truth


def _blankvalue(ctx: EvalContext, a: list[Thunk]) -> Any:
    value = a[0]()
    return a[1]() if is_blank(value) else value


def _nullvalue(ctx: EvalContext, a: list[Thunk]) -> Any:
    value = a[0]()
    return a[1]() if value is None else value


def _lazy(name: str, min_args: int, max_args: int | None, impl: Any, *, even: bool = False) -> tuple[str, FunctionSpec]:
    return name, FunctionSpec(name, min_args, max_args, impl, lazy=True, even=even)


def _eager(name: str, min_args: int, max_args: int | None, impl: Any) -> tuple[str, FunctionSpec]:
    return name, FunctionSpec(name, min_args, max_args, impl)


LOGIC_FUNCTIONS: dict[str, FunctionSpec] = dict(
    [
        _lazy("IF", 3, 3, _if),
        _lazy("CASE", 4, None, _case, even=True),
        _lazy("AND", 1, None, lambda ctx, a: logic_and(a, "function 'AND()'")),
        _lazy("OR", 1, None, lambda ctx, a: logic_or(a, "function 'OR()'")),
        _eager("NOT", 1, 1, _not),
        _eager("ISBLANK", 1, 1, lambda ctx, a: is_blank(a[0])),
        _eager("ISNULL", 1, 1, lambda ctx, a: a[0] is None),
        _lazy("BLANKVALUE", 2, 2, _blankvalue),
        _lazy("NULLVALUE", 2, 2, _nullvalue),
    ]
)

# Every function the formula language knows, by upper-case name.
FUNCTIONS: dict[str, FunctionSpec] = {
    **LOGIC_FUNCTIONS,
    **TEXT_FUNCTIONS,
    **MATH_FUNCTIONS,
    **DATE_FUNCTIONS,
    **ENCODE_FUNCTIONS,
}

# Functions Salesforce documents ("Formula Operators and Functions by Context") that the embedded org does not
# evaluate, and why: a formula that uses one fails saying so instead of "Unknown function".
NOT_YET: dict[str, str] = {
    "CURRENCYRATE": "it needs multi-currency exchange rates, which the embedded org does not keep",
    "DISTANCE": "location functions are not implemented yet",
    "GEOLOCATION": "location functions are not implemented yet",
    "GETSESSIONID": "a session id is never handed to flow logic",
    "IMAGE": "it is only meaningful in a page layout or report",
    "ISCHANGED": "it needs the record's prior values, which only a record-triggered save has",
    "ISCLONE": "it is only meaningful while a record is being cloned",
    "ISNEW": "it is only meaningful while a record is being saved",
    "PRIORVALUE": "it needs the record's prior values, which only a record-triggered save has",
    "PREDICT": "it needs an Einstein prediction model",
    "VLOOKUP": "Salesforce offers it only in validation rules",
    "PARENTGROUPVAL": "Salesforce offers it only in report summary formulas",
    "PREVGROUPVAL": "Salesforce offers it only in report summary formulas",
    "INCLUDE": "Salesforce offers it only in Visualforce and custom buttons",
    "GETRECORDIDS": "Salesforce offers it only in custom buttons and links",
    "LINKTO": "Salesforce offers it only in Visualforce and custom buttons",
    "URLFOR": "Salesforce offers it only in Visualforce and custom buttons",
    "REQUIRESCRIPT": "Salesforce offers it only in custom buttons and links",
}


def lookup_function(name: str) -> FunctionSpec:
    spec = FUNCTIONS.get(name.upper())
    if spec is None:
        why = NOT_YET.get(name.upper())
        if why is not None:
            raise FormulaError(f"The embedded org does not evaluate {name.upper()}(): {why}.")
        raise FormulaError(f"Unknown function {name.upper()}. Check spelling.")
    return spec
