"""What the client needs to know about a SOQL string: the objects it reads, and which API serves them."""

from __future__ import annotations

import re

from .soql_reads import SoqlSyntaxError, query_reads

# Objects that only the Tooling API serves.
TOOLING_OBJECTS = frozenset({"flow", "flowdefinition", "flowelementtestcoverage", "flowtestcoverage"})

STRING_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'")
_FROM = re.compile(r"\bFROM\s+([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)


def without_literals(soql: str) -> str:
    return STRING_LITERAL.sub("''", soql)


def soql_objects(soql: str) -> list[str]:
    """The objects after every FROM (sub-queries included), string literals ignored."""
    return _FROM.findall(without_literals(soql))


def is_tooling_query(soql: str) -> bool:
    """The query's own object (the parser's, so a subquery's FROM is never taken for it) is a Tooling object."""
    try:
        root = query_reads(soql).root
    except SoqlSyntaxError:
        objects = soql_objects(soql)
        root = objects[0] if objects else ""
    return root.lower() in TOOLING_OBJECTS


def literal(value: str) -> str:
    """A value quoted for a SOQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def rename_fields(soql: str, renames: dict[str, str]) -> str:
    """Field names replaced outside string literals (whole names only, not parts of dotted paths)."""
    pattern = re.compile(r"(?<![.\w])(" + "|".join(map(re.escape, renames)) + r")(?![\w.])")
    parts = []
    last = 0
    for literal_match in STRING_LITERAL.finditer(soql):
        parts.append(pattern.sub(lambda m: renames[m.group(1)], soql[last : literal_match.start()]))
        parts.append(literal_match.group(0))
        last = literal_match.end()
    parts.append(pattern.sub(lambda m: renames[m.group(1)], soql[last:]))
    return "".join(parts)
