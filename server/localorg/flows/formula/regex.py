"""REGEX(text, pattern) without catastrophic backtracking.

Python's `re` backtracks, so a pattern like `(a+)+$` can run for hours on 30 characters. Instead the pattern is parsed
with the standard library's own regex parser and run as a Thompson NFA (a set of states advanced one character at a
time): time is bounded by len(text) x states. Salesforce's REGEX matches the whole text, so greedy and lazy
repeats are the same here. Backreferences, lookaround, atomic groups and possessive repeats are refused.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable
from typing import Any

from salesforce_flow_mcp.localorg.flows.formula.values import FormulaError

_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

MAX_PATTERN_LENGTH = 1_000
MAX_STATES = 5_000
MAX_WORK = 4_000_000  # len(text) x states

_CHAR, _SPLIT, _ASSERT, _MATCH = range(4)

CharTest = Callable[[str], bool]
PosTest = Callable[[str, int], bool]


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


_CATEGORIES: dict[Any, CharTest] = {
    _c.CATEGORY_DIGIT: str.isdecimal,
    _c.CATEGORY_NOT_DIGIT: lambda ch: not ch.isdecimal(),
    _c.CATEGORY_SPACE: str.isspace,
    _c.CATEGORY_NOT_SPACE: lambda ch: not ch.isspace(),
    _c.CATEGORY_WORD: _is_word,
    _c.CATEGORY_NOT_WORD: lambda ch: not _is_word(ch),
}


def _word_at(text: str, pos: int) -> bool:
    return 0 <= pos < len(text) and _is_word(text[pos])


_ANCHORS: dict[Any, PosTest] = {
    _c.AT_BEGINNING: lambda text, pos: pos == 0,
    _c.AT_BEGINNING_STRING: lambda text, pos: pos == 0,
    _c.AT_BEGINNING_LINE: lambda text, pos: pos == 0 or text[pos - 1] == "\n",
    _c.AT_END: lambda text, pos: pos == len(text) or (pos == len(text) - 1 and text[pos] == "\n"),
    _c.AT_END_STRING: lambda text, pos: pos == len(text),
    _c.AT_END_LINE: lambda text, pos: pos == len(text) or text[pos] == "\n",
    _c.AT_BOUNDARY: lambda text, pos: _word_at(text, pos - 1) != _word_at(text, pos),
    _c.AT_NON_BOUNDARY: lambda text, pos: _word_at(text, pos - 1) == _word_at(text, pos),
}


class _Nfa:
    def __init__(self) -> None:
        self.kind: list[int] = []
        self.test: list[Any] = []
        self.out: list[list[int]] = []

    def add(self, kind: int, test: Any, out: list[int]) -> int:
        if len(self.kind) >= MAX_STATES:
            raise FormulaError("REGEX: the pattern is too complex")
        self.kind.append(kind)
        self.test.append(test)
        self.out.append(out)
        return len(self.kind) - 1


def _equal_to(literal: str) -> CharTest:
    return lambda ch: ch == literal


def _not_equal_to(literal: str) -> CharTest:
    return lambda ch: ch != literal


def _in_range(low: int, high: int) -> CharTest:
    return lambda ch: low <= ord(ch) <= high


def _fold(test: CharTest, ignore_case: bool) -> CharTest:
    if not ignore_case:
        return test
    return lambda ch: test(ch) or test(ch.lower()) or test(ch.upper())


def _set_test(items: list[tuple[Any, Any]]) -> CharTest:
    """A character class: literals, ranges and categories, possibly negated."""
    negate = False
    tests: list[CharTest] = []
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            tests.append(_equal_to(chr(av)))
        elif op is _c.RANGE:
            tests.append(_in_range(av[0], av[1]))
        elif op is _c.CATEGORY and av in _CATEGORIES:
            tests.append(_CATEGORIES[av])
        else:
            raise FormulaError(f"REGEX: the character class item {op} isn't supported")
    return lambda ch: any(test(ch) for test in tests) != negate


class _Builder:
    """Compiles the parsed pattern backwards: each item gets the state that follows it."""

    def __init__(self) -> None:
        self.nfa = _Nfa()
        self.steps = 0

    def sequence(self, items: Any, follow: int, flags: int) -> int:
        for op, av in reversed(list(items)):
            follow = self.item(op, av, follow, flags)
        return follow

    def item(self, op: Any, av: Any, follow: int, flags: int) -> int:
        ignore_case = bool(flags & re.IGNORECASE)
        if op is _c.LITERAL:
            return self.nfa.add(_CHAR, _fold(_equal_to(chr(av)), ignore_case), [follow])
        if op is _c.NOT_LITERAL:
            return self.nfa.add(_CHAR, _fold(_not_equal_to(chr(av)), ignore_case), [follow])
        if op is _c.ANY:
            dotall = bool(flags & re.DOTALL)
            return self.nfa.add(_CHAR, lambda ch: dotall or ch != "\n", [follow])
        if op is _c.IN:
            return self.nfa.add(_CHAR, _fold(_set_test(av), ignore_case), [follow])
        if op is _c.BRANCH:
            return self.nfa.add(_SPLIT, None, [self.sequence(branch, follow, flags) for branch in av[1]])
        if op is _c.SUBPATTERN:
            _group, add_flags, del_flags, body = av
            return self.sequence(body, follow, (flags | add_flags) & ~del_flags)
        if op is _c.MAX_REPEAT or op is _c.MIN_REPEAT:
            return self.repeat(av, follow, flags)
        if op is _c.AT and av in _ANCHORS:
            return self.nfa.add(_ASSERT, _ANCHORS[av], [follow])
        raise FormulaError(
            "REGEX: backreferences, lookaround, atomic groups and possessive repeats aren't supported by the local org"
        )

    def repeat(self, av: Any, follow: int, flags: int) -> int:
        low, high, body = av
        unbounded = high == _c.MAXREPEAT
        self.steps += low + (0 if unbounded else high - low)
        if self.steps > MAX_STATES:
            raise FormulaError("REGEX: the pattern is too complex")
        state = follow
        if unbounded:
            loop = self.nfa.add(_SPLIT, None, [])
            self.nfa.out[loop] = [self.sequence(body, loop, flags), follow]
            state = loop
        else:
            for _ in range(high - low):
                state = self.nfa.add(_SPLIT, None, [self.sequence(body, state, flags), state])
        for _ in range(low):
            state = self.sequence(body, state, flags)
        return state


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> tuple[_Nfa, int]:
    try:
        parsed = _parser.parse(pattern)
    except re.error as exc:
        raise FormulaError(f"REGEX: invalid pattern: {exc}") from None
    builder = _Builder()
    match = builder.nfa.add(_MATCH, None, [])
    return builder.nfa, builder.sequence(parsed, match, int(parsed.state.flags))


def _closure(nfa: _Nfa, starts: list[int], text: str, pos: int) -> list[int]:
    """The character-consuming and match states reachable from `starts` without consuming input."""
    seen: set[int] = set()
    found: list[int] = []
    stack = list(starts)
    while stack:
        state = stack.pop()
        if state in seen:
            continue
        seen.add(state)
        kind = nfa.kind[state]
        if kind == _SPLIT:
            stack.extend(nfa.out[state])
        elif kind == _ASSERT:
            if nfa.test[state](text, pos):
                stack.append(nfa.out[state][0])
        else:
            found.append(state)
    return found


def full_match(text: str, pattern: str) -> bool:
    """True when the whole of `text` matches `pattern` (Salesforce's REGEX semantics)."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise FormulaError(f"REGEX: the pattern is longer than {MAX_PATTERN_LENGTH} characters")
    nfa, start = _compile(pattern)
    if (len(text) + 1) * len(nfa.kind) > MAX_WORK:
        raise FormulaError("REGEX: the text is too long for this pattern in the local org")
    current = _closure(nfa, [start], text, 0)
    for pos, ch in enumerate(text):
        nxt = [nfa.out[state][0] for state in current if nfa.kind[state] == _CHAR and nfa.test[state](ch)]
        if not nxt:
            return False
        current = _closure(nfa, nxt, text, pos + 1)
    return any(nfa.kind[state] == _MATCH for state in current)
