"""Everything a SOQL query can read, found with a parser: the FROM list, TYPEOF types, relationship traversals,
parent-to-child subqueries and semi-joins, at any depth.

The grammar follows the SOQL SELECT syntax of the SOQL and SOSL Reference ("SOQL SELECT Syntax":
https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select.htm) closely
enough to find every object a query names; it does not evaluate anything. It is the MCP side's own (the embedded
org's parser, server/localorg/soql, reads only the subset the org runs); the two share only SOQL's tokens
(soql_tokens.py).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field

from lark import Lark, Token, Tree, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..soql_tokens import LITERAL_TERMINALS

_GRAMMAR = r"""
query: _SELECT select_list _FROM from_list _filters _shaping
_filters: using_clause? where_clause? with_clause?
_shaping: group_clause? order_clause? limit_clause? offset_clause? for_clause? update_clause?

select_list: select_item ("," select_item)*
select_item: field_expr NAME?             -> select_field
           | "(" query ")"                -> child_query
           | _TYPEOF path when_clause+ else_clause? _END  -> typeof
when_clause: _WHEN NAME _THEN field_list
else_clause: _ELSE field_list
field_list: field_expr ("," field_expr)*

?field_expr: path | function
function: NAME "(" [arg ("," arg)*] ")"
?arg: field_expr | STRING | NUMBER | DATE | DATETIME | NULL | TRUE | FALSE
path: NAME ("." NAME)*

from_list: from_item ("," from_item)*
from_item: path NAME?
using_clause: _USING NAME NAME

where_clause: _WHERE condition
condition: conjunction (_OR conjunction)*
conjunction: negation (_AND negation)*
negation: _NOT negation | "(" condition ")" | comparison
comparison: field_expr COMP_OP value
          | field_expr _LIKE value
          | field_expr _NOT? _IN "(" (query | value_list) ")"
          | field_expr (_INCLUDES | _EXCLUDES) "(" value_list ")"
value_list: value ("," value)*
value: STRING | NUMBER | DATE | DATETIME | NULL | TRUE | FALSE | NAME (":" NUMBER)?

with_clause: _WITH _with_token+
_with_token: NAME | STRING | NUMBER | TRUE | FALSE | _AND | "=" | "(" | ")" | ","

group_clause: _GROUP _BY field_list (_HAVING condition)?  // ROLLUP(a, b) and CUBE(a, b) read as functions
order_clause: _ORDER _BY order_item ("," order_item)*
order_item: field_expr NAME? (_NULLS NAME)?
limit_clause: _LIMIT NUMBER
offset_clause: _OFFSET NUMBER
for_clause: _FOR (NAME | UPDATE)
update_clause: UPDATE NAME

_SELECT: "SELECT"i
_FROM: "FROM"i
_WHERE: "WHERE"i
_AND: "AND"i
_OR: "OR"i
_NOT: "NOT"i
_IN: "IN"i
_LIKE: "LIKE"i
_INCLUDES: "INCLUDES"i
_EXCLUDES: "EXCLUDES"i
_TYPEOF: "TYPEOF"i
_WHEN: "WHEN"i
_THEN: "THEN"i
_ELSE: "ELSE"i
_END: "END"i
_USING: "USING"i
_WITH: "WITH"i
_GROUP: "GROUP"i
_BY: "BY"i
_HAVING: "HAVING"i
_ORDER: "ORDER"i
_NULLS: "NULLS"i
_LIMIT: "LIMIT"i
_OFFSET: "OFFSET"i
_FOR: "FOR"i
UPDATE: "UPDATE"i
NULL: "NULL"i
TRUE: "TRUE"i
FALSE: "FALSE"i
// names, operators, literals and white space: soql_tokens.LITERAL_TERMINALS
"""


@functools.cache
def _parser(*, positions: bool = False) -> Lark:
    """Built on first use, not at import: building the LALR tables is most of what importing this module cost, and
    a server start reads no SOQL (docs/benchmarks.md, "Process start"). `positions`: the one that keeps each node's
    place in the text (for rewriting a query), built only when a query is rewritten."""
    return Lark(
        _GRAMMAR + LITERAL_TERMINALS,
        start="query",
        parser="lalr",
        maybe_placeholders=False,
        propagate_positions=positions,
    )


class SoqlSyntaxError(ValueError):
    """The query is not SOQL this reader understands; the message names where."""


@dataclass(frozen=True)
class Traversal:
    """`path` followed from `origin`: `("Definition",)` from Flow reads FlowDefinition."""

    origin: str
    path: tuple[str, ...]


@dataclass
class QueryReads:
    """What a query reads. `objects` are named outright (FROM, TYPEOF, semi-joins); traversals and child
    relationships start from an object and lead to others only a relationship table can name."""

    root: str
    objects: list[tuple[str, str]] = field(default_factory=list)  # (object, where it is named)
    traversals: list[Traversal] = field(default_factory=list)
    child_relationships: list[tuple[str, str]] = field(default_factory=list)  # (parent object, relationship)
    locking: list[str] = field(default_factory=list)  # FOR UPDATE, UPDATE TRACKING, UPDATE VIEWSTAT


def query_reads(soql: str) -> QueryReads:
    try:
        tree = _parser().parse(soql)
    except UnexpectedInput as exc:
        raise SoqlSyntaxError(_syntax_message(exc)) from None
    root = _root_object(tree)
    reads = QueryReads(root)
    reads.objects.append((root, "FROM"))
    _walk_query(tree, root, reads)
    return reads


def clause_spans(soql: str) -> dict[str, tuple[int, int]]:
    """Where each top-level clause of the query is, as (start, end) offsets into `soql`: "select_list",
    "from_list", "where_clause", "with_clause", "group_clause", "order_clause", "limit_clause", "offset_clause",
    "for_clause", "update_clause" when present, and "condition" (the WHERE clause's condition)."""
    try:
        tree = _parser(positions=True).parse(soql)
    except UnexpectedInput as exc:
        raise SoqlSyntaxError(_syntax_message(exc)) from None
    spans: dict[str, tuple[int, int]] = {}
    for child in tree.children:
        if isinstance(child, Tree) and not child.meta.empty:
            spans[str(child.data)] = (child.meta.start_pos, child.meta.end_pos)
            if child.data == "where_clause":
                condition = child.children[0]
                assert isinstance(condition, Tree)
                spans["condition"] = (condition.meta.start_pos, condition.meta.end_pos)
    return spans


def _syntax_message(exc: UnexpectedInput) -> str:
    where = f"line {exc.line}, column {exc.column}"
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        return f"the query ends too early ({where})"
    if isinstance(exc, UnexpectedToken):
        return f"unexpected {str(exc.token)[:40]!r} at {where}"
    if isinstance(exc, UnexpectedCharacters):
        return f"unexpected character {exc.char!r} at {where}"
    return f"cannot read the query at {where}"


def _children(tree: Tree[Token], data: str) -> Iterator[Tree[Token]]:
    return (child for child in tree.children if isinstance(child, Tree) and child.data == data)


def _clause(tree: Tree[Token], data: str) -> Tree[Token] | None:
    return next(_children(tree, data), None)


def _names(path: Tree[Token]) -> tuple[str, ...]:
    return tuple(str(token) for token in path.children)


def _root_object(query: Tree[Token]) -> str:
    from_list = _clause(query, "from_list")
    assert from_list is not None
    first = next(_children(from_list, "from_item"))
    names = _names(first.children[0])  # type: ignore[arg-type]
    if len(names) != 1:
        raise SoqlSyntaxError(f"FROM must start with an object name, not {'.'.join(names)!r}")
    return names[0]


def _walk_query(query: Tree[Token], root: str, reads: QueryReads) -> None:
    """One query over `root` (a top-level query or a semi-join): its FROM list, fields, conditions, subqueries."""
    from_list = _clause(query, "from_list")
    assert from_list is not None
    items = list(_children(from_list, "from_item"))
    qualifiers = {root.lower()}
    first_alias = items[0].children[1] if len(items[0].children) > 1 else None
    if first_alias is not None:
        qualifiers.add(str(first_alias).lower())
    for item in items[1:]:  # `FROM Contact c, c.Account a`: a traversal; `FROM Flow, Account`: another object
        names = _names(item.children[0])  # type: ignore[arg-type]
        if len(names) > 1 and names[0].lower() in qualifiers:
            reads.traversals.append(Traversal(root, names[1:]))
        else:
            reads.objects.append((".".join(names), "the FROM list"))
        if len(item.children) > 1:
            qualifiers.add(str(item.children[1]).lower())
    nested: list[tuple[Tree[Token], str]] = []
    for node in _own_nodes(query, nested):
        if node.data == "path":
            _note_path(_names(node), root, qualifiers, reads)
        elif node.data == "typeof":  # TYPEOF Owner WHEN User THEN ...: the relationship, and each type it names
            relationship = _names(node.children[0])  # type: ignore[arg-type]
            _note_path((*relationship, "Id"), root, qualifiers, reads)
            for when in _children(node, "when_clause"):
                reads.objects.append((str(when.children[0]), "TYPEOF"))
    for inner_query, kind in nested:
        if kind == "child":
            reads.child_relationships.append((root, ".".join(_names(_first_from_path(inner_query)))))
            continue
        inner = _root_object(inner_query)
        reads.objects.append((inner, "a semi-join"))
        _walk_query(inner_query, inner, reads)
    locking = _clause(query, "for_clause")
    if locking is not None and any(_is_update(c) for c in locking.children):
        reads.locking.append("FOR UPDATE")
    tracking = _clause(query, "update_clause")
    if tracking is not None:
        reads.locking.append(f"UPDATE {tracking.children[-1]}")


def _own_nodes(query: Tree[Token], nested: list[tuple[Tree[Token], str]]) -> Iterator[Tree[Token]]:
    """The nodes of `query` itself, outside its FROM list; the queries inside it go to `nested` (parent-to-child
    subqueries as "child", semi-joins as "semi-join") instead of being walked here. The fields a TYPEOF selects per
    type belong to that type, not to the query's object, and are left out."""
    stack = [child for child in query.children if isinstance(child, Tree) and child.data != "from_list"]
    while stack:
        node = stack.pop()
        yield node
        for child in node.children:
            if not isinstance(child, Tree):
                continue
            if child.data == "query":
                nested.append((child, "child" if node.data == "child_query" else "semi-join"))
            elif node.data == "typeof":
                continue  # the relationship path and the WHEN/ELSE field lists: handled by the caller
            else:
                stack.append(child)


def _is_update(child: object) -> bool:
    return isinstance(child, Token) and child.type == "UPDATE"


def _first_from_path(query: Tree[Token]) -> Tree[Token]:
    from_list = _clause(query, "from_list")
    assert from_list is not None
    return next(_children(from_list, "from_item")).children[0]  # type: ignore[return-value]


def _note_path(names: tuple[str, ...], root: str, qualifiers: set[str], reads: QueryReads) -> None:
    if len(names) > 1 and names[0].lower() in qualifiers:
        names = names[1:]  # `Flow.Id`, `f.Id`: the object's own field
    if len(names) > 1:
        reads.traversals.append(Traversal(root, names[:-1]))
