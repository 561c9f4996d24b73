"""What the client needs to know about a SOQL string: the objects it reads, and which API serves them."""

from __future__ import annotations

import re

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
    objects = soql_objects(soql)
    return bool(objects) and objects[0].lower() in TOOLING_OBJECTS


def literal(value: str) -> str:
    """A value quoted for a SOQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
