"""The compiled form of a formula: a small tree of nodes that evaluate themselves against an EvalContext.

Trees are built by the parser module with a bounded depth, and chains of the same precedence (`a + b + c ...`) are one
flat node, so evaluation recursion is bounded by the nesting limit, never by the formula's length.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from salesforce_flow_mcp.localorg.flows.formula import values as fv
from salesforce_flow_mcp.localorg.flows.formula.values import FormulaError

Resolver = Callable[[str], Any]

# Global merge fields the formula can answer itself from `now` when the resolver doesn't know them.
_CLOCK_REFS: dict[str, Callable[[datetime.datetime], Any]] = {
    "$flow.currentdate": lambda now: now.date(),
    "$flow.currentdatetime": lambda now: now,
    "$system.origindatetime": lambda now: datetime.datetime(1900, 1, 1, tzinfo=fv.UTC),
}


class EvalContext:
    """One evaluation: the resolver and the fixed clock (NOW() and TODAY() agree within a formula)."""

    __slots__ = ("now", "resolve")

    def __init__(self, resolve: Resolver, now: datetime.datetime) -> None:
        self.resolve = resolve
        self.now = now

    def lookup(self, ref: str) -> Any:
        try:
            value = self.resolve(ref)
        except KeyError:
            clock = _CLOCK_REFS.get(ref.lower())
            if clock is None:
                raise FormulaError(f"Unknown reference '{ref}'. Check spelling.") from None
            return clock(self.now)
        return fv.normalize(value)


# An eager implementation gets evaluated arguments; a lazy one gets thunks and evaluates only what it needs.
FunctionImpl = Callable[[EvalContext, list[Any]], Any]


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    min_args: int
    max_args: int | None  # None: any number from min_args up
    impl: FunctionImpl
    lazy: bool = False
    even: bool = False  # CASE: the argument count must be even

    def arity_error(self, received: int) -> str | None:
        """The Salesforce-style message when `received` arguments don't fit, else None."""
        if self.min_args <= received and (self.max_args is None or received <= self.max_args):
            if not (self.even and received % 2):
                return None
            return (
                f"Incorrect number of parameters for function '{self.name}()'. "
                f"Expected an even number, received {received}"
            )
        if self.max_args is None:
            expected = f"at least {self.min_args}"
        elif self.min_args == self.max_args:
            expected = str(self.min_args)
        else:
            expected = f"{self.min_args} to {self.max_args}"
        return f"Incorrect number of parameters for function '{self.name}()'. Expected {expected}, received {received}"


class Node:
    __slots__ = ("depth",)
    depth: int

    def __init__(self, children: Sequence[Node]) -> None:
        self.depth = 1 + max((child.depth for child in children), default=0)

    def ev(self, ctx: EvalContext) -> Any:
        raise NotImplementedError

    def children(self) -> Iterator[Node]:
        return iter(())


class Literal(Node):
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        super().__init__(())
        self.value = value

    def ev(self, ctx: EvalContext) -> Any:
        return self.value


class Ref(Node):
    __slots__ = ("ref",)

    def __init__(self, ref: str) -> None:
        super().__init__(())
        self.ref = ref

    def ev(self, ctx: EvalContext) -> Any:
        return ctx.lookup(self.ref)


class Prefix(Node):
    """Unary -, + (numbers) and ! (Boolean not)."""

    __slots__ = ("op", "operand")

    def __init__(self, op: str, operand: Node) -> None:
        super().__init__((operand,))
        self.op = op
        self.operand = operand

    def ev(self, ctx: EvalContext) -> Any:
        value = self.operand.ev(ctx)
        if self.op == "!":
            truth = fv.condition(value, "operator '!'")
            return None if truth is None else not truth
        return fv.negate(value, self.op)

    def children(self) -> Iterator[Node]:
        yield self.operand


BINARY_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": fv.add,
    "-": fv.subtract,
    "*": fv.multiply,
    "/": fv.divide,
    "^": fv.power,
    "&": fv.concat,
    **{op: partial(fv.compare, op) for op in ("=", "==", "!=", "<>", "<", "<=", ">", ">=")},
}


class Chain(Node):
    """`a op b op c ...`, left-associative, evaluated in a loop."""

    __slots__ = ("first", "rest")

    def __init__(self, first: Node, rest: Sequence[tuple[str, Node]]) -> None:
        super().__init__((first, *(node for _, node in rest)))
        self.first = first
        self.rest = tuple((BINARY_OPERATORS[op], node) for op, node in rest)

    def ev(self, ctx: EvalContext) -> Any:
        value = self.first.ev(ctx)
        for operator, node in self.rest:
            value = operator(value, node.ev(ctx))
        return value

    def children(self) -> Iterator[Node]:
        yield self.first
        for _, node in self.rest:
            yield node


def _three_valued(operands: Sequence[Callable[[], Any]], where: str, decisive: bool) -> bool | None:
    """Three-valued AND (decisive False) or OR (decisive True): the decisive value wins and stops the evaluation,
    then null, else the other value."""
    result: bool | None = not decisive
    for operand in operands:
        truth = fv.condition(operand(), where)
        if truth is decisive:
            return decisive
        if truth is None:
            result = None
    return result


def logic_and(operands: Sequence[Callable[[], Any]], where: str) -> bool | None:
    """Three-valued AND: false wins, then null; stops at the first false."""
    return _three_valued(operands, where, decisive=False)


def logic_or(operands: Sequence[Callable[[], Any]], where: str) -> bool | None:
    """Three-valued OR: true wins, then null; stops at the first true."""
    return _three_valued(operands, where, decisive=True)


class Logic(Node):
    """`a && b && ...` or `a || b || ...`."""

    __slots__ = ("op", "operands")

    def __init__(self, op: str, operands: Sequence[Node]) -> None:
        super().__init__(operands)
        self.op = op
        self.operands = tuple(operands)

    def ev(self, ctx: EvalContext) -> Any:
        thunks = [partial(node.ev, ctx) for node in self.operands]
        combine = logic_and if self.op == "&&" else logic_or
        return combine(thunks, f"operator '{self.op}'")

    def children(self) -> Iterator[Node]:
        return iter(self.operands)


class Call(Node):
    __slots__ = ("args", "spec")

    def __init__(self, spec: FunctionSpec, args: Sequence[Node]) -> None:
        super().__init__(args)
        self.spec = spec
        self.args = tuple(args)

    def ev(self, ctx: EvalContext) -> Any:
        if self.spec.lazy:
            return self.spec.impl(ctx, [partial(arg.ev, ctx) for arg in self.args])
        return self.spec.impl(ctx, [arg.ev(ctx) for arg in self.args])

    def children(self) -> Iterator[Node]:
        return iter(self.args)


def references(root: Node) -> tuple[str, ...]:
    """Every merge-field reference in the tree, in first-seen order, without recursion."""
    seen: dict[str, None] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, Ref):
            seen.setdefault(node.ref, None)
        stack.extend(reversed(list(node.children())))
    return tuple(seen)
