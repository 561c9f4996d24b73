"""'Did you mean ...?': the closest known names to one an agent got wrong (difflib's ratio, as `python -c` typos)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

MAX_SUGGESTIONS = 3
MAX_NAME = 255  # a flow API name's limit
CUTOFF = 0.6  # difflib's default: "Route_Support_Cases" finds "Route_Support_Case", "xyz" finds nothing


def closest(name: str, known: Iterable[str]) -> list[str]:
    """Up to three known names close to `name`, best first; case is ignored in the comparison."""
    if len(name) > MAX_NAME:  # no known name is that long, and difflib's work grows with it
        return []
    by_folded: dict[str, str] = {}
    for candidate in known:
        by_folded.setdefault(candidate.casefold(), candidate)
    matches = difflib.get_close_matches(name.casefold(), list(by_folded), n=MAX_SUGGESTIONS, cutoff=CUTOFF)
    return [by_folded[m] for m in matches]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """' Did you mean A?' / ' Did you mean A, B or C?', or '' when nothing is close."""
    matches = closest(name, known)
    if not matches:
        return ""
    if len(matches) == 1:
        return f" Did you mean {matches[0]}?"
    return f" Did you mean {', '.join(matches[:-1])} or {matches[-1]}?"
