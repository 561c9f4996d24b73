"""Tool names for invocable flows: `flow_<ApiName>`, limited to [A-Za-z0-9_-] and 64 characters.

A name that must be shortened, or that would equal another flow's name after character replacement, carries a
short stable hash of the full ApiName, so the same org always yields the same names whatever order its flows are
listed in.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable

from .operations import OPERATION_TOOLS

__all__ = ["FLOW_TOOL_PREFIX", "MAX_TOOL_NAME", "assign_tool_names", "tool_name_for"]

MAX_TOOL_NAME = 64
FLOW_TOOL_PREFIX = "flow_"
HASH_CHARS = 8
_MAX_HASH_CHARS = MAX_TOOL_NAME - len(FLOW_TOOL_PREFIX) - 1  # the prefix always survives shortening
_INVALID = re.compile(r"[^A-Za-z0-9_-]")

_OPERATION_NAMES = frozenset(tool.name for tool in OPERATION_TOOLS)
# Per-flow names start with the prefix; an operation tool that did too could be shadowed by a flow.
if any(name.startswith(FLOW_TOOL_PREFIX) for name in _OPERATION_NAMES):  # pragma: no cover - a programming error
    raise RuntimeError(f"an operation tool name starts with {FLOW_TOOL_PREFIX!r}, the per-flow tool prefix")


def _digest(api_name: str) -> str:
    # surrogatepass: an ApiName is not validated here, and a lone surrogate must not make naming raise
    return hashlib.sha256(api_name.encode("utf-8", "surrogatepass")).hexdigest()


def _plain(api_name: str) -> str:
    return FLOW_TOOL_PREFIX + _INVALID.sub("_", api_name)


def _hashed(api_name: str, hash_chars: int) -> str:
    """The plain name cut so that '_' and `hash_chars` hex digits of the full ApiName's hash fit in 64."""
    plain = _plain(api_name)[: MAX_TOOL_NAME - 1 - hash_chars]
    return f"{plain}_{_digest(api_name)[:hash_chars]}"


def tool_name_for(api_name: str) -> str:
    """`flow_<ApiName>` with characters outside [A-Za-z0-9_-] replaced by '_'; a name over 64 characters is cut
    and ends with '_' and 8 hex characters of sha256(ApiName)."""
    plain = _plain(api_name)
    return plain if len(plain) <= MAX_TOOL_NAME else _hashed(api_name, HASH_CHARS)


def _name_at(api_name: str, level: int) -> str:
    """Level 0 is tool_name_for; each level up adds 4 hex characters of hash (8, 12, ...)."""
    if level == 0:
        return tool_name_for(api_name)
    return _hashed(api_name, min(HASH_CHARS + 4 * (level - 1), _MAX_HASH_CHARS))


def assign_tool_names(api_names: Iterable[str]) -> dict[str, str]:
    """ApiName -> unique tool name, a function of the SET of names (input order and repeats do not matter).

    Names are case-sensitive. When several ApiNames would get one name, every one of them gets a hashed name, so no
    flow's name depends on which came first; in the (astronomically unlikely) event that hashed names still meet,
    the hash grows until they differ.
    """
    unique = sorted({name for name in api_names if isinstance(name, str)})
    levels = dict.fromkeys(unique, 0)
    while True:
        groups: defaultdict[str, list[str]] = defaultdict(list)
        for api_name in unique:
            groups[_name_at(api_name, levels[api_name])].append(api_name)
        clashes = [members for members in groups.values() if len(members) > 1]
        if not clashes:
            break
        raised = False
        for members in clashes:
            for api_name in members:
                if HASH_CHARS + 4 * (levels[api_name] - 1) < _MAX_HASH_CHARS:
                    levels[api_name] += 1
                    raised = True
        if not raised:  # pragma: no cover - needs two ApiNames whose sha256 agree on 58 hex digits
            raise ValueError(f"cannot give distinct tool names to {clashes[0]}")
    names = {api_name: _name_at(api_name, levels[api_name]) for api_name in unique}
    assert not _OPERATION_NAMES.intersection(names.values()), "a flow tool name equals an operation tool name"
    return names
