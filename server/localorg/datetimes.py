"""Dates and times as the org keeps them: one clock (UTC) and Salesforce's REST formats, written once.

REST API Developer Guide, "Valid Date and DateTime Formats": a dateTime field is `yyyy-MM-ddTHH:mm:ss.SSS+0000`
(milliseconds, UTC); a time field is `HH:mm:ss.SSSZ`. Naive values inside the org are UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

__all__ = ["format_datetime", "format_time", "now", "parse_datetime", "rest_text", "timestamp", "to_utc", "today"]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    return now().date()


def to_utc(value: dt.datetime) -> dt.datetime:
    """Aware values converted to UTC; naive ones read as UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def parse_datetime(text: str) -> dt.datetime:
    """ISO 8601 text (`Z`, `+0000` or `+00:00`; none means UTC) as an aware UTC datetime; ValueError if it is not."""
    return to_utc(dt.datetime.fromisoformat(text))


def format_datetime(value: dt.datetime, *, zone: str = "+0000") -> str:
    """2024-05-01T12:00:00.000+0000 (a record's dateTime); zone="Z" gives the spelling flow action outputs use."""
    utc = to_utc(value)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}{zone}"


def timestamp() -> str:
    """Now, as a record's dateTime (CreatedDate, LastModifiedDate, SystemModstamp)."""
    return format_datetime(now())


def format_time(value: dt.time) -> str:
    """12:00:00.000Z (a time field)."""
    return value.strftime("%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def rest_text(value: object) -> str | None:
    """A datetime, date or time as a record field holds it; None for anything else."""
    for kind, write in _REST_FORMATS:
        if isinstance(value, kind):
            return write(value)
    return None


_REST_FORMATS: tuple[tuple[type[Any], Callable[[Any], str]], ...] = (  # datetime first: it is a date too
    (dt.datetime, format_datetime),
    (dt.date, dt.date.isoformat),
    (dt.time, format_time),
)
