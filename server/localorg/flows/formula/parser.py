"""Parsing Salesforce formulas with lark (LALR, grammar compiled once at import) into `nodes` trees.

Hostile input is refused before or while parsing: a length limit, a cheap scan of bracket depth, and a depth check
on every node as the parser builds it bottom-up (lark's LALR parser keeps its own stack, so nothing recurses).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from salesforce_flow_mcp.localorg.flows.formula import values as fv
from salesforce_flow_mcp.localorg.flows.formula.functions import lookup_function
from salesforce_flow_mcp.localorg.flows.formula.nodes import Call, Chain, Literal, Logic, Node, Prefix, Ref
from salesforce_flow_mcp.localorg.flows.formula.values import FormulaError

# Salesforce itself caps a flow formula at a few thousand characters; this leaves room and keeps parsing fast.
MAX_FORMULA_LENGTH = 20_000
MAX_NESTING = 200

# Precedence, loosest first: || && comparisons & (+ -) (* /) unary ^. Same-precedence chains are flat lists.
GRAMMAR = r"""
?start: expr
?expr: or_expr
?or_expr: and_expr ("||" and_expr)*
?and_expr: comparison ("&&" comparison)*
?comparison: concat (cmp_op concat)*
?concat: additive ("&" additive)*
?additive: term (add_op term)*
?term: unary (mul_op unary)*
?unary: prefix_op unary -> prefix
      | power
?power: primary ("^" power_operand)*
?power_operand: prefix_op power_operand -> prefix
              | primary
?primary: NUMBER -> number
        | STRING -> string
        | MERGE -> merge
        | IDENT -> ident
        | IDENT "(" [expr ("," expr)*] ")" -> call
        | "(" expr ")"

!cmp_op: "==" | "!=" | "<>" | "<=" | ">=" | "=" | "<" | ">"
!add_op: "+" | "-"
!mul_op: "*" | "/"
!prefix_op: "-" | "+" | "!"

NUMBER: /\d+(\.\d*)?|\.\d+/
STRING: /"(?:[^"\\]|\\.)*"/s | /'(?:[^'\\]|\\.)*'/s
MERGE: /\{![^}]*\}/
IDENT: /\$?[A-Za-z_][A-Za-z0-9_]*(\.\$?[A-Za-z_][A-Za-z0-9_]*)*/
COMMENT: /\/\*[\s\S]*?\*\//
%ignore COMMENT
%ignore /\s+/
"""

_KEYWORDS = {"TRUE": True, "FALSE": False, "NULL": None}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


def _checked(node: Node) -> Node:
    if node.depth > MAX_NESTING:
        raise FormulaError(f"Formula nesting deeper than {MAX_NESTING} levels")
    return node


def _unescape(body: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(body):
        ch = body[index]
        if ch != "\\" or index + 1 >= len(body):
            out.append(ch)
            index += 1
            continue
        code = body[index + 1]
        if code == "u" and len(body) >= index + 6:
            try:
                out.append(chr(int(body[index + 2 : index + 6], 16)))
                index += 6
                continue
            except ValueError:
                pass
        out.append(_ESCAPES.get(code, code))
        index += 2
    return "".join(out)


class _Build(Transformer[Token, Node]):
    """Callbacks run by the LALR parser on each reduction; children arrive already built."""

    def number(self, children: list[Token]) -> Node:
        try:
            value = fv.NUMBER_CONTEXT.plus(Decimal(str(children[0])))
        except (ArithmeticError, InvalidOperation):
            raise FormulaError(f"Number out of range at {children[0].line}:{children[0].column}") from None
        return Literal(value)

    def string(self, children: list[Token]) -> Node:
        return Literal(_unescape(str(children[0])[1:-1]))

    def merge(self, children: list[Token]) -> Node:
        token = children[0]
        ref = str(token)[2:-1].strip()
        if not ref:
            raise FormulaError(f"Empty merge field {{!}} at {token.line}:{token.column}")
        return Ref(ref)

    def ident(self, children: list[Token]) -> Node:
        name = str(children[0])
        if name.upper() in _KEYWORDS:
            return Literal(_KEYWORDS[name.upper()])
        return Ref(name)

    def call(self, children: list[Any]) -> Node:
        token, args = children[0], [child for child in children[1:] if child is not None]
        name = str(token)
        if "." in name or name.startswith("$"):
            raise FormulaError(f"'{name}' at {token.line}:{token.column} isn't a function")
        spec = lookup_function(name)
        problem = spec.arity_error(len(args))
        if problem:
            raise FormulaError(problem)
        return _checked(Call(spec, args))

    def prefix(self, children: list[Any]) -> Node:
        return _checked(Prefix(children[0], children[1]))

    def _chain(self, children: list[Any]) -> Node:
        return _checked(Chain(children[0], list(zip(children[1::2], children[2::2], strict=True))))

    comparison = additive = term = _chain

    def concat(self, children: list[Node]) -> Node:
        return _checked(Chain(children[0], [("&", child) for child in children[1:]]))

    def power(self, children: list[Node]) -> Node:
        return _checked(Chain(children[0], [("^", child) for child in children[1:]]))

    def or_expr(self, children: list[Node]) -> Node:
        return _checked(Logic("||", children))

    def and_expr(self, children: list[Node]) -> Node:
        return _checked(Logic("&&", children))

    def cmp_op(self, children: list[Token]) -> str:
        return str(children[0])

    add_op = mul_op = prefix_op = cmp_op


_PARSER = Lark(GRAMMAR, parser="lalr", lexer="contextual", transformer=_Build(), maybe_placeholders=True)


def _check_nesting(text: str) -> None:
    """Bracket depth outside quotes, merge fields and comments, without building anything."""
    if text.count("(") <= MAX_NESTING:
        return
    depth = 0
    index = 0
    quote = ""
    while index < len(text):
        ch = text[index]
        if quote:
            if ch == "\\":
                index += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
            if depth > MAX_NESTING:
                raise FormulaError(f"Formula nesting deeper than {MAX_NESTING} levels")
        elif ch == ")":
            depth -= 1
        elif text.startswith("/*", index):
            end = text.find("*/", index + 2)
            if end < 0:
                return
            index = end + 1
        elif text.startswith("{!", index):
            end = text.find("}", index)
            if end < 0:
                return
            index = end
        index += 1


def _position(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"{line}:{column}"


def _syntax_error(text: str, exc: UnexpectedInput) -> FormulaError:
    if isinstance(exc, UnexpectedCharacters):
        where, ch = f"{exc.line}:{exc.column}", exc.char
        if ch in "\"'":
            problem = f"text starting with {ch} is never closed"
        elif text.startswith("{!", exc.pos_in_stream):
            problem = "merge field {!...} is never closed with '}'"
        elif text.startswith("/*", exc.pos_in_stream):
            problem = "comment /* is never closed with */"
        else:
            problem = f"unexpected character {ch!r}"
        return FormulaError(f"Syntax error at {where}: {problem}")
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        hint = " (missing ')'?)" if "RPAR" in exc.expected else ""
        return FormulaError(f"Syntax error at {_position(text, len(text))}: the formula ends too early{hint}")
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        hint = ""
        if exc.expected and exc.expected <= {"RPAR", "COMMA"}:
            hint = " (expected ')' or ',')" if len(exc.expected) > 1 else " (expected ')')"
        return FormulaError(f"Syntax error at {token.line}:{token.column}: unexpected '{token}'{hint}")
    return FormulaError(f"Syntax error: {exc}")


def parse(text: str) -> Node:
    """The formula's tree; FormulaError for a syntax error, an unknown function, or input that is too big."""
    if len(text) > MAX_FORMULA_LENGTH:
        raise FormulaError(f"Formula is longer than {MAX_FORMULA_LENGTH} characters ({len(text)})")
    if not text.strip():
        raise FormulaError("The formula is empty")
    _check_nesting(text)
    try:
        tree: Any = _PARSER.parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    if not isinstance(tree, Node):  # the transformer builds every rule, so this is a grammar bug
        raise FormulaError("The formula could not be compiled")
    return tree
