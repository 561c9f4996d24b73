"""Date and time functions (TODAY, NOW, DATE, DATEVALUE, ADDMONTHS, WEEKDAY, ...); the org's time zone is UTC."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from salesforce_flow_mcp.localorg.flows.formula import args as arg
from salesforce_flow_mcp.localorg.flows.formula import values as fv
from salesforce_flow_mcp.localorg.flows.formula.nodes import EvalContext, FunctionSpec
from salesforce_flow_mcp.localorg.flows.formula.values import FormulaError

T = TypeVar("T")

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=fv.UTC)


def _shown(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "..."


def _date(ctx: EvalContext, a: list[Any]) -> datetime.date | None:
    year, month, day = (arg.integer("DATE", value) for value in a)
    if year is None or month is None or day is None:
        return None
    try:
        return datetime.date(year, month, day)
    except (ValueError, OverflowError):
        raise FormulaError(f"DATE({year}, {month}, {day}) isn't a valid date") from None


def _from_text(name: str, value: Any, parse: Callable[[str], T], expected: str) -> T | None:
    """A text argument of DATEVALUE/DATETIMEVALUE/TIMEVALUE parsed; blank text is null, bad text names the format."""
    text = arg.text(name, value).strip()
    if not text:
        return None
    try:
        return parse(text)
    except ValueError:
        raise FormulaError(f"{name}: '{_shown(text)}' isn't a valid {expected}") from None


def _datevalue(ctx: EvalContext, a: list[Any]) -> datetime.date | None:
    """DATEVALUE(text | DateTime | Date): the date part; text is YYYY-MM-DD (a longer ISO date/time is cut)."""
    value = a[0]
    if value is None or isinstance(value, datetime.date):
        return arg.as_date("DATEVALUE", value)
    return _from_text(
        "DATEVALUE", value, lambda text: datetime.date.fromisoformat(text[:10]), "date (expected YYYY-MM-DD)"
    )


def _datetimevalue(ctx: EvalContext, a: list[Any]) -> datetime.datetime | None:
    """DATETIMEVALUE(text | Date | DateTime): text is 'YYYY-MM-DD HH:MM:SS' in GMT (ISO 8601 is accepted too)."""
    value = a[0]
    if value is None or isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day, tzinfo=fv.UTC)
    parsed = _from_text(
        "DATETIMEVALUE", value, datetime.datetime.fromisoformat, "date/time (expected YYYY-MM-DD HH:MM:SS)"
    )
    result: datetime.datetime | None = None if parsed is None else fv.normalize(parsed)
    return result


def _timevalue(ctx: EvalContext, a: list[Any]) -> datetime.time | None:
    value = a[0]
    if value is None or isinstance(value, datetime.time | datetime.datetime):
        return arg.time_of("TIMEVALUE", value)
    parsed = _from_text("TIMEVALUE", value, datetime.time.fromisoformat, "time (expected HH:MM:SS.MS)")
    return None if parsed is None else parsed.replace(tzinfo=None, microsecond=parsed.microsecond // 1000 * 1000)


def _part(fn: str, get: Callable[[datetime.date], int]) -> Callable[[EvalContext, list[Any]], Decimal | None]:
    def impl(ctx: EvalContext, a: list[Any]) -> Decimal | None:
        day = arg.as_date(fn, a[0])
        return None if day is None else Decimal(get(day))

    return impl


def _time_part(fn: str, get: Callable[[datetime.time], int]) -> Callable[[EvalContext, list[Any]], Decimal | None]:
    def impl(ctx: EvalContext, a: list[Any]) -> Decimal | None:
        moment = arg.time_of(fn, a[0])
        return None if moment is None else Decimal(get(moment))

    return impl


def _addmonths(ctx: EvalContext, a: list[Any]) -> datetime.date | None:
    """ADDMONTHS: the last day of a month maps to the last day of the target month; other days are kept (clamped)."""
    start, months = arg.date_or_datetime("ADDMONTHS", a[0]), arg.integer("ADDMONTHS", a[1])
    if start is None or months is None:
        return None
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        raise FormulaError("ADDMONTHS: the result is outside the supported date range")
    last_day = calendar.monthrange(year, month)[1]
    was_last_day = start.day == calendar.monthrange(start.year, start.month)[1]
    return start.replace(year=year, month=month, day=last_day if was_last_day else min(start.day, last_day))


def _unixtimestamp(ctx: EvalContext, a: list[Any]) -> Decimal | None:
    value = arg.date_or_datetime("UNIXTIMESTAMP", a[0])
    if value is None:
        return None
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime(value.year, value.month, value.day, tzinfo=fv.UTC)
    return Decimal((value - _EPOCH) // datetime.timedelta(seconds=1))


def _fromunixtime(ctx: EvalContext, a: list[Any]) -> datetime.datetime | None:
    seconds = arg.integer("FROMUNIXTIME", a[0])
    if seconds is None:
        return None
    try:
        return _EPOCH + datetime.timedelta(seconds=seconds)
    except OverflowError:
        raise FormulaError("FROMUNIXTIME: the result is outside the supported date range") from None


def _formatduration(ctx: EvalContext, a: list[Any]) -> str | None:
    """FORMATDURATION(seconds [, include_days]) or FORMATDURATION(start, end [, include_days]): HH:MM:SS, or
    D:HH:MM:SS with days; the span between two Times or DateTimes is its absolute length."""
    if len(a) >= 2 and isinstance(a[1], datetime.date | datetime.time):
        start, end, flag = a[0], a[1], (a[2] if len(a) > 2 else False)
        if start is None or end is None:
            return None
        if isinstance(start, datetime.time) and isinstance(end, datetime.time):
            base = datetime.date(2000, 1, 1)
            span = datetime.datetime.combine(base, end) - datetime.datetime.combine(base, start)
        elif isinstance(start, datetime.datetime) and isinstance(end, datetime.datetime):
            span = end - start
        else:
            raise arg.param_error("FORMATDURATION", "two Times or two DateTimes", start)
        seconds = abs(int(span.total_seconds()))
    else:
        number = arg.number("FORMATDURATION", a[0])
        flag = a[1] if len(a) > 1 else False
        if number is None:
            return None
        seconds = abs(int(number))
    include_days = arg.boolean("FORMATDURATION", flag)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    if include_days:
        days, hour = divmod(hours, 24)
        return f"{days}:{hour:02d}:{minute:02d}:{second:02d}"
    return f"{hours:02d}:{minute:02d}:{second:02d}"


def _spec(name: str, min_args: int, max_args: int | None, impl: Any) -> tuple[str, FunctionSpec]:
    return name, FunctionSpec(name, min_args, max_args, impl)


DATE_FUNCTIONS: dict[str, FunctionSpec] = dict(
    [
        _spec("TODAY", 0, 0, lambda ctx, a: ctx.now.date()),
        _spec("NOW", 0, 0, lambda ctx, a: ctx.now),
        _spec("TIMENOW", 0, 0, lambda ctx, a: ctx.now.time().replace(microsecond=ctx.now.microsecond // 1000 * 1000)),
        _spec("DATE", 3, 3, _date),
        _spec("DATEVALUE", 1, 1, _datevalue),
        _spec("DATETIMEVALUE", 1, 1, _datetimevalue),
        _spec("TIMEVALUE", 1, 1, _timevalue),
        _spec("YEAR", 1, 1, _part("YEAR", lambda d: d.year)),
        _spec("MONTH", 1, 1, _part("MONTH", lambda d: d.month)),
        _spec("DAY", 1, 1, _part("DAY", lambda d: d.day)),
        # WEEKDAY: 1 is Sunday, 7 is Saturday.
        _spec("WEEKDAY", 1, 1, _part("WEEKDAY", lambda d: d.isoweekday() % 7 + 1)),
        _spec("DAYOFYEAR", 1, 1, _part("DAYOFYEAR", lambda d: d.timetuple().tm_yday)),
        _spec("ISOWEEK", 1, 1, _part("ISOWEEK", lambda d: d.isocalendar()[1])),
        _spec("ISOYEAR", 1, 1, _part("ISOYEAR", lambda d: d.isocalendar()[0])),
        _spec("ADDMONTHS", 2, 2, _addmonths),
        _spec("FORMATDURATION", 1, 3, _formatduration),
        _spec("HOUR", 1, 1, _time_part("HOUR", lambda t: t.hour)),
        _spec("MINUTE", 1, 1, _time_part("MINUTE", lambda t: t.minute)),
        _spec("SECOND", 1, 1, _time_part("SECOND", lambda t: t.second)),
        _spec("MILLISECOND", 1, 1, _time_part("MILLISECOND", lambda t: t.microsecond // 1000)),
        _spec("UNIXTIMESTAMP", 1, 1, _unixtimestamp),
        _spec("FROMUNIXTIME", 1, 1, _fromunixtime),
    ]
)
