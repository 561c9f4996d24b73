"""Values quoted in messages: never more than about a hundred characters, whatever the caller sent or the org said.

An agent that sends a 10 MB value must not get 10 MB back in the error (nor keep it alive in a log line).
"""

from __future__ import annotations

from typing import Any

QUOTE_LIMIT = 100


def excerpt(text: str, limit: int = QUOTE_LIMIT) -> str:
    """`text` cut to `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def excerpt_ends(text: str, limit: int = 2 * QUOTE_LIMIT) -> str:
    """`text` cut in the middle to about `limit` characters: the start and the end (where Salesforce's
    MALFORMED_QUERY messages say what is wrong) are kept."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]} … ({len(text):,} characters) … {text[-half:]}"


def quoted(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """`repr`-style quoting of a value for an error message, cut to `limit` characters."""
    if isinstance(value, str):
        return repr(value) if len(value) <= limit else repr(value[:limit]) + f"… ({len(value):,} characters)"
    text = repr(value)
    return excerpt(text, limit)
