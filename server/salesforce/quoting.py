"""Values quoted in messages: never more than about a hundred characters, whatever the caller sent or the org said.

An agent that sends a 10 MB value must not get 10 MB back in the error (nor keep it alive in a log line).
"""

from __future__ import annotations

import re
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


MESSAGE_LIMIT = 1_000
_LONG_WORD = re.compile(r"\S{" + str(QUOTE_LIMIT + 1) + ",}")


def org_message(text: str) -> str:
    """A message from the org, which may quote a value it refuses (megabytes of it): no word longer than ~100
    characters, at most ~1,000 characters in all; ordinary messages (a flow fault runs to a few hundred) stay whole."""
    text = _LONG_WORD.sub(lambda m: excerpt(m.group(0)), text)
    return excerpt_ends(text, MESSAGE_LIMIT)


def quoted(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """`repr`-style quoting of a value for an error message, cut to `limit` characters."""
    if isinstance(value, str):
        return repr(value) if len(value) <= limit else repr(value[:limit]) + f"… ({len(value):,} characters)"
    text = repr(value)
    return excerpt(text, limit)
