"""A SOQL subset, parsed with lark into a small syntax tree.

SELECT fields (dotted relationship paths, COUNT()) FROM one object [WHERE ...] [ORDER BY ...] [LIMIT n] [OFFSET n].
Errors come back as Salesforce's MALFORMED_QUERY, with the row and column of the offending token.
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass
from typing import Any, TypeAlias

from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ...soql_tokens import LITERAL_TERMINALS
from ..datetimes import parse_datetime, today
from ..errors import OrgError

MAX_QUERY_LENGTH = 100_000  # Salesforce's limit on the length of a SOQL statement

_GRAMMAR = r"""
start: _SELECT select_list _FROM NAME where_clause? order_clause? limit_clause? offset_clause?

select_list: _select_item ("," _select_item)*
_select_item: count_all | field
count_all: _COUNT "(" ")"
field: NAME ("." NAME)*

where_clause: _WHERE _or_cond
_or_cond: or_ | _and_cond
or_: _and_cond (_OR _and_cond)+
_and_cond: and_ | _not_cond
and_: _not_cond (_AND _not_cond)+
_not_cond: not_ | _primary
not_: _NOT _not_cond
_primary: "(" _or_cond ")" | compare | like | in_ | not_in

compare: field COMP_OP value
like: field _LIKE value
in_: field _IN "(" value ("," value)* ")"
not_in: field _NOT _IN "(" value ("," value)* ")"

value: STRING | NUMBER | TRUE | FALSE | NULL | DATETIME | DATE | DATE_LITERAL

order_clause: _ORDER _BY order_item ("," order_item)*
order_item: field DIRECTION? (_NULLS NULLS_WHERE)?
limit_clause: _LIMIT INT
offset_clause: _OFFSET INT

_SELECT: "SELECT"i
_FROM: "FROM"i
_WHERE: "WHERE"i
_COUNT: "COUNT"i
_OR: "OR"i
_AND: "AND"i
_NOT: "NOT"i
_LIKE: "LIKE"i
_IN: "IN"i
_ORDER: "ORDER"i
_BY: "BY"i
_NULLS: "NULLS"i
_LIMIT: "LIMIT"i
_OFFSET: "OFFSET"i
TRUE: "TRUE"i
FALSE: "FALSE"i
NULL: "NULL"i
DIRECTION: "ASC"i | "DESC"i
NULLS_WHERE: "FIRST"i | "LAST"i
DATE_LITERAL.2: /(TODAY|YESTERDAY|TOMORROW)\b/i
INT: /\d+/
// names, operators, literals and white space: soql_tokens.LITERAL_TERMINALS
"""

_PARSER = Lark(_GRAMMAR + LITERAL_TERMINALS, parser="lalr", maybe_placeholders=False)

Value: TypeAlias = str | decimal.Decimal | bool | datetime.date | datetime.datetime | None


@dataclass(frozen=True)
class FieldRef:
    path: tuple[str, ...]
    line: int
    column: int

    @property
    def text(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Compare:
    field: FieldRef
    op: str  # = != < <= > >= (<> is normalised to !=)
    value: Value


@dataclass(frozen=True)
class Like:
    field: FieldRef
    pattern: str


@dataclass(frozen=True)
class In:
    field: FieldRef
    values: tuple[Value, ...]
    negated: bool


@dataclass(frozen=True)
class And:
    operands: tuple[Condition, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    operand: Condition


Condition: TypeAlias = Compare | Like | In | And | Or | Not


@dataclass(frozen=True)
class OrderItem:
    field: FieldRef
    descending: bool
    nulls_first: bool  # SOQL's default: NULLS FIRST ascending, NULLS LAST descending


@dataclass(frozen=True)
class Query:
    text: str
    fields: tuple[FieldRef, ...]
    count: bool
    sobject: str
    sobject_line: int
    sobject_column: int
    where: Condition | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None


def _unescape(literal: str) -> str:
    escapes = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}
    out: list[str] = []
    it = iter(literal[1:-1])
    for ch in it:
        if ch == "\\":
            nxt = next(it, "")
            # SOQL keeps \% and \_ escaped for LIKE; everything else collapses to the character.
            out.append("\\" + nxt if nxt in "%_" else escapes.get(nxt, nxt))
        else:
            out.append(ch)
    return "".join(out)


_DATE_LITERALS = {
    "today": lambda: today(),
    "yesterday": lambda: today() - datetime.timedelta(days=1),
    "tomorrow": lambda: today() + datetime.timedelta(days=1),
}


class _ToAst(Transformer[Token, Any]):
    def field(self, items: list[Token]) -> FieldRef:
        return FieldRef(tuple(str(t) for t in items), items[0].line or 1, items[0].column or 1)

    def count_all(self, _items: list[Any]) -> str:
        return "COUNT()"

    def select_list(self, items: list[Any]) -> list[Any]:
        return items

    def value(self, items: list[Token]) -> Value:
        tok = items[0]
        kind, text = tok.type, str(tok)
        if kind == "STRING":
            return _unescape(text)
        if kind == "NUMBER":
            return decimal.Decimal(text)
        if kind in ("TRUE", "FALSE"):
            return kind == "TRUE"
        if kind == "NULL":
            return None
        if kind == "DATE":
            return datetime.date.fromisoformat(text)
        if kind == "DATETIME":
            return parse_datetime(text)
        return _DATE_LITERALS[text.lower()]()

    def compare(self, items: list[Any]) -> Compare:
        op = "!=" if str(items[1]) == "<>" else str(items[1])
        return Compare(items[0], op, items[2])

    def like(self, items: list[Any]) -> Like:
        if not isinstance(items[1], str):
            raise _AstError(items[0], "LIKE needs a string value")
        return Like(items[0], items[1])

    def in_(self, items: list[Any]) -> In:
        return In(items[0], tuple(items[1:]), negated=False)

    def not_in(self, items: list[Any]) -> In:
        return In(items[0], tuple(items[1:]), negated=True)

    def and_(self, items: list[Any]) -> And:
        return And(tuple(items))

    def or_(self, items: list[Any]) -> Or:
        return Or(tuple(items))

    def not_(self, items: list[Any]) -> Not:
        return Not(items[0])

    def where_clause(self, items: list[Any]) -> tuple[str, Condition]:
        return ("where", items[0])

    def order_item(self, items: list[Any]) -> OrderItem:
        field: FieldRef = items[0]
        descending = False
        nulls_first: bool | None = None
        for tok in items[1:]:
            if tok.type == "DIRECTION":
                descending = str(tok).upper() == "DESC"
            else:
                nulls_first = str(tok).upper() == "FIRST"
        return OrderItem(field, descending, (not descending) if nulls_first is None else nulls_first)

    def order_clause(self, items: list[OrderItem]) -> tuple[str, tuple[OrderItem, ...]]:
        return ("order", tuple(items))

    def limit_clause(self, items: list[Token]) -> tuple[str, int]:
        return ("limit", int(items[0]))

    def offset_clause(self, items: list[Token]) -> tuple[str, int]:
        return ("offset", int(items[0]))


class _AstError(Exception):
    def __init__(self, field: FieldRef, message: str) -> None:
        super().__init__(message)
        self.field = field


def position_message(text: str, line: int, column: int, message: str) -> str:
    """Salesforce's query error text: the query, a caret under the problem, its position and the reason."""
    lines = text.splitlines() or [""]
    shown = lines[line - 1] if 0 < line <= len(lines) else lines[-1]
    return f"\n{shown}\n{' ' * max(column - 1, 0)}^\nERROR at Row:{line}:Column:{column}\n{message}"


def _at_end(text: str, message: str) -> str:
    lines = text.rstrip().splitlines() or [""]
    return position_message(text, len(lines), len(lines[-1]) + 1, message)


def malformed(message: str) -> OrgError:
    return OrgError(400, "MALFORMED_QUERY", message)


def parse_soql(text: str | None) -> Query:
    """Parse one SELECT statement; raises OrgError(MALFORMED_QUERY) on any syntax problem."""
    if text is None or not text.strip():
        raise malformed("A query string has to be specified")
    if len(text) > MAX_QUERY_LENGTH:
        raise malformed(f"The query is {len(text)} characters long; SOQL statements cannot exceed {MAX_QUERY_LENGTH}.")
    try:
        tree = _PARSER.parse(text)
        parts = _ToAst().transform(tree).children
    except UnexpectedEOF:
        raise malformed(_at_end(text, "unexpected token: <EOF>")) from None
    except UnexpectedToken as exc:
        if exc.token.type == "$END":
            raise malformed(_at_end(text, "unexpected token: <EOF>")) from None
        raise malformed(position_message(text, exc.line, exc.column, f"unexpected token: '{exc.token}'")) from None
    except UnexpectedCharacters as exc:
        pos = exc.pos_in_stream or 0
        char = text[pos] if pos < len(text) else ""
        raise malformed(position_message(text, exc.line, exc.column, f"unexpected character: '{char}'")) from None
    except UnexpectedInput as exc:  # any other lark complaint
        raise malformed(position_message(text, exc.line, exc.column, "malformed query")) from None
    except RecursionError:
        raise malformed("The query nests its conditions too deeply; simplify the WHERE clause.") from None
    except Exception as exc:  # a transformer error (e.g. LIKE with a number), wrapped by lark
        inner = getattr(exc, "orig_exc", exc)
        if isinstance(inner, RecursionError):
            raise malformed("The query nests its conditions too deeply; simplify the WHERE clause.") from None
        if isinstance(inner, _AstError):
            raise malformed(position_message(text, inner.field.line, inner.field.column, str(inner))) from None
        raise malformed(f"malformed query: {inner}") from None

    select: list[Any] = parts[0]
    sobject_tok: Token = parts[1]
    clauses = dict(parts[2:])
    count = "COUNT()" in select
    if count and len(select) > 1:
        raise malformed("COUNT() cannot be combined with other fields in the SELECT list")
    fields = tuple(f for f in select if isinstance(f, FieldRef))
    return Query(
        text=text,
        fields=fields,
        count=count,
        sobject=str(sobject_tok),
        sobject_line=sobject_tok.line or 1,
        sobject_column=sobject_tok.column or 1,
        where=clauses.get("where"),
        order_by=clauses.get("order", ()),
        limit=clauses.get("limit"),
        offset=clauses.get("offset"),
    )
