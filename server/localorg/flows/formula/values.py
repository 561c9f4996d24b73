"""Values of the formula language and the operators on them, with Salesforce's typing and null rules.

Value types (fixed by the contract): `str` (Text), `decimal.Decimal` (Number), `bool` (Boolean), `datetime.date`
(Date), `datetime.datetime` (DateTime, UTC aware), `datetime.time` (Time), `None` (null), `list` (Collection),
`dict` (Record). Null rules: Text treats null as "" (Salesforce text fields are never null); arithmetic with null is
null; a comparison with a null non-text operand is null (three-valued logic), which IF() treats as false.
"""

from __future__ import annotations

import datetime
import decimal
from decimal import Decimal
from typing import Any

# Salesforce numbers have at most 18 digits; a small exponent range keeps TEXT() of any result short.
NUMBER_CONTEXT = decimal.Context(
    prec=28,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=999,
    Emin=-999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
# A text value longer than this is an error, so SUBSTITUTE/LPAD/& chains cannot exhaust memory.
MAX_TEXT_LENGTH = 1_000_000
UTC = datetime.UTC
_MICROS_PER_DAY = Decimal(86_400_000_000)
_MS_PER_DAY = 86_400_000


class FormulaError(Exception):
    """A formula that cannot be compiled or evaluated; the message is one an admin can act on."""


def type_name(value: Any) -> str:
    """The Salesforce name of a value's type, as used in error messages."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, Decimal | int | float):
        return "Number"
    if isinstance(value, str):
        return "Text"
    if isinstance(value, datetime.datetime):
        return "DateTime"
    if isinstance(value, datetime.date):
        return "Date"
    if isinstance(value, datetime.time):
        return "Time"
    if isinstance(value, list | tuple):
        return "Collection"
    if isinstance(value, dict):
        return "Record"
    return type(value).__name__


def is_date(value: Any) -> bool:
    """A Date, not a DateTime (datetime.datetime is a subclass of datetime.date)."""
    return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)


def normalize(value: Any) -> Any:
    """A value from a resolver, in the formula's own types (int/float -> Decimal, naive datetime -> UTC)."""
    if value is None or isinstance(value, bool | str | Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        number = Decimal(repr(value))
        if not number.is_finite():
            raise FormulaError(f"The number {value!r} isn't a valid formula value")
        return number
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, tuple):
        return list(value)
    return value


def text_too_long() -> FormulaError:
    return FormulaError(f"The formula result is longer than {MAX_TEXT_LENGTH} characters")


def check_text(text: str) -> str:
    if len(text) > MAX_TEXT_LENGTH:
        raise text_too_long()
    return text


def number_op(func: Any, *args: Decimal) -> Decimal:
    """Run a Decimal context operation, turning decimal signals into formula errors."""
    try:
        result: Decimal = func(*args)
    except decimal.DivisionByZero as exc:
        raise FormulaError("Division by zero") from exc
    except decimal.Overflow as exc:
        raise FormulaError("Number out of range") from exc
    except decimal.InvalidOperation as exc:
        raise FormulaError("Invalid numeric operation") from exc
    return result


# ---------------------------------------------------------------------------------------------------------- text


def format_number(number: Decimal) -> str:
    """TEXT(number): plain digits, no exponent, no trailing zeros after the decimal point."""
    if number == 0:
        return "0"
    return format(number.normalize(NUMBER_CONTEXT), "f")


def format_datetime(value: datetime.datetime) -> str:
    utc: datetime.datetime = normalize(value)
    return utc.strftime("%Y-%m-%d %H:%M:%S") + "Z"


def format_time(value: datetime.time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}.{value.microsecond // 1000:03d}"


def to_text(value: Any) -> str:
    """TEXT() and text templates: a value as Salesforce prints it; null is ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, int | float):
        return format_number(normalize(value))
    if isinstance(value, datetime.datetime):
        return format_datetime(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return format_time(value)
    if isinstance(value, list | tuple):
        return ", ".join(to_text(item) for item in value)
    if isinstance(value, dict):
        return to_text(value.get("Id"))
    return str(value)


# ----------------------------------------------------------------------------------------------------- operators


def operator_type_error(op: str, expected: str, value: Any) -> FormulaError:
    return FormulaError(
        f"Incorrect parameter type for operator '{op}'. Expected {expected}, received {type_name(value)}"
    )


def _shift_date(value: datetime.date, number: Decimal, sign: int, op: str) -> datetime.date:
    try:
        if isinstance(value, datetime.datetime):
            micros = int(number_op(NUMBER_CONTEXT.multiply, number, _MICROS_PER_DAY))
            return value + sign * datetime.timedelta(microseconds=micros)
        # A Date moves by whole days; the fraction of a day is dropped.
        return value + datetime.timedelta(days=sign * int(number))
    except (OverflowError, ValueError) as exc:
        raise FormulaError(f"The result of operator '{op}' is outside the supported date range") from exc


def _shift_time(value: datetime.time, number: Decimal, sign: int) -> datetime.time:
    # Time arithmetic is in milliseconds and wraps around midnight.
    base = ((value.hour * 60 + value.minute) * 60 + value.second) * 1000 + value.microsecond // 1000
    total = (base + sign * int(number)) % _MS_PER_DAY
    seconds, millis = divmod(total, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return datetime.time(hour, minute, second, millis * 1000)


def _time_ms(value: datetime.time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1000 + value.microsecond // 1000


def add(a: Any, b: Any) -> Any:
    """`+`: numbers add, texts concatenate, Date/DateTime/Time plus a number move forward."""
    if isinstance(a, str) or (a is None and isinstance(b, str)):
        if b is not None and not isinstance(b, str):
            raise operator_type_error("+", "Text", b)
        return check_text((a or "") + (b or ""))
    if a is None or b is None:
        _check_operand("+", a if b is None else b)
        return None
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return number_op(NUMBER_CONTEXT.add, a, b)
    if isinstance(b, Decimal) and isinstance(a, datetime.date):
        return _shift_date(a, b, 1, "+")
    if isinstance(a, Decimal) and isinstance(b, datetime.date):
        return _shift_date(b, a, 1, "+")
    if isinstance(a, datetime.time) and isinstance(b, Decimal):
        return _shift_time(a, b, 1)
    if isinstance(a, Decimal) and isinstance(b, datetime.time):
        return _shift_time(b, a, 1)
    expected = type_name(a) if isinstance(a, Decimal) else "Number"
    raise operator_type_error("+", expected, b if isinstance(a, Decimal | datetime.date | datetime.time) else a)


def subtract(a: Any, b: Any) -> Any:
    """`-`: numbers subtract; Date - Date is days; DateTime - DateTime is fractional days."""
    if a is None or b is None:
        _check_operand("-", a if b is None else b)
        return None
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return number_op(NUMBER_CONTEXT.subtract, a, b)
    if isinstance(a, datetime.date) and isinstance(b, Decimal):
        return _shift_date(a, b, -1, "-")
    if isinstance(a, datetime.datetime) and isinstance(b, datetime.datetime):
        micros = Decimal((normalize(a) - normalize(b)) // datetime.timedelta(microseconds=1))
        return number_op(NUMBER_CONTEXT.divide, micros, _MICROS_PER_DAY)
    if is_date(a) and is_date(b):
        return Decimal((a - b).days)
    if isinstance(a, datetime.time) and isinstance(b, Decimal):
        return _shift_time(a, b, -1)
    if isinstance(a, datetime.time) and isinstance(b, datetime.time):
        return Decimal(_time_ms(a) - _time_ms(b))
    if isinstance(a, datetime.date | datetime.time):
        raise operator_type_error("-", f"Number or {type_name(a)}", b)
    raise operator_type_error("-", "Number", a if not isinstance(a, Decimal) else b)


def _check_operand(op: str, value: Any) -> None:
    if value is not None and not isinstance(value, Decimal | datetime.date | datetime.time):
        raise operator_type_error(op, "Number", value)


def _numbers(op: str, a: Any, b: Any) -> tuple[Decimal, Decimal] | None:
    for value in (a, b):
        if value is not None and not isinstance(value, Decimal):
            raise operator_type_error(op, "Number", value)
    if a is None or b is None:
        return None
    return a, b


def multiply(a: Any, b: Any) -> Decimal | None:
    pair = _numbers("*", a, b)
    return None if pair is None else number_op(NUMBER_CONTEXT.multiply, *pair)


def divide(a: Any, b: Any) -> Decimal | None:
    pair = _numbers("/", a, b)
    if pair is None:
        return None
    if pair[1] == 0:
        raise FormulaError("Division by zero")
    return number_op(NUMBER_CONTEXT.divide, *pair)


def power(a: Any, b: Any) -> Decimal | None:
    pair = _numbers("^", a, b)
    if pair is None:
        return None
    base, exponent = pair
    if base == 0 and exponent < 0:
        raise FormulaError("Division by zero")
    return number_op(NUMBER_CONTEXT.power, base, exponent)


def concat(a: Any, b: Any) -> str:
    """`&`: text only; null is ""."""
    for value in (a, b):
        if value is not None and not isinstance(value, str):
            raise operator_type_error("&", "Text", value)
    return check_text((a or "") + (b or ""))


def negate(value: Any, op: str = "-") -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, Decimal):
        raise operator_type_error(op, "Number", value)
    return value if op == "+" else number_op(NUMBER_CONTEXT.minus, value)


# --------------------------------------------------------------------------------------------------- comparisons


def _comparable_kind(value: Any) -> str:
    return type_name(value)


def _type_mismatch(op: str, a: Any, b: Any) -> FormulaError:
    # A Number operand fixes what the other side should be, as in "Expected Number, received Text" for `"a" > 1`.
    if isinstance(b, Decimal) and not isinstance(a, Decimal):
        return operator_type_error(op, "Number", a)
    return operator_type_error(op, type_name(a), b)


def _operands(op: str, a: Any, b: Any) -> tuple[Any, Any, str] | None:
    """The operands of a comparison and their kind: null text is "", another null makes the result null (None);
    both sides must be of one kind, and DateTimes compare in UTC."""
    if a is None and isinstance(b, str):
        a = ""
    if b is None and isinstance(a, str):
        b = ""
    if a is None or b is None:
        return None
    kind = _comparable_kind(a)
    if kind != _comparable_kind(b):
        raise _type_mismatch(op, a, b)
    if isinstance(a, datetime.datetime):
        a, b = normalize(a), normalize(b)
    return a, b, kind


def equals(a: Any, b: Any, op: str = "=") -> bool | None:
    """`=`: true/false, or null when a non-text operand is null (text treats null as "")."""
    operands = _operands(op, a, b)
    return None if operands is None else bool(operands[0] == operands[1])


_ORDERED = {"Number", "Text", "Date", "DateTime", "Time"}
_ORDER_TESTS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def compare(op: str, a: Any, b: Any) -> bool | None:
    """Every comparison operator; = and == are the same, as are <> and !=."""
    if op in ("=", "=="):
        return equals(a, b, op)
    if op in ("<>", "!="):
        result = equals(a, b, op)
        return None if result is None else not result
    operands = _operands(op, a, b)
    if operands is None:
        return None
    a, b, kind = operands
    if kind not in _ORDERED:
        raise FormulaError(f"Operator '{op}' can't compare {kind} values")
    return bool(_ORDER_TESTS[op](a, b))


def condition(value: Any, where: str) -> bool | None:
    """A Boolean operand (IF, AND, &&, ...); null stays null."""
    if value is None or isinstance(value, bool):
        return value
    raise FormulaError(f"Incorrect parameter type for {where}. Expected Boolean, received {type_name(value)}")
