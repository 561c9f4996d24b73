"""Character and encoding functions: ASCII, CHR, HTMLENCODE, JSENCODE, JSINHTMLENCODE, URLENCODE."""

from __future__ import annotations

import urllib.parse
from decimal import Decimal
from typing import Any

from salesforce_flow_mcp.localorg.flows.formula import args as arg
from salesforce_flow_mcp.localorg.flows.formula.nodes import EvalContext, FunctionSpec
from salesforce_flow_mcp.localorg.flows.formula.values import FormulaError

# HTMLENCODE: "replacing characters that are reserved in HTML, such as the greater-than sign (>), with HTML entity
# equivalents, such as &gt;".
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
# JSENCODE: "inserting escape characters, such as a backslash (\), before unsafe JavaScript characters, such as the
# apostrophe (')"; angle brackets become \u003C / \u003E so that the text cannot close a <script> tag.
_JS = {"\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r", "<": "\\u003C", ">": "\\u003E"}


def _ascii(ctx: EvalContext, a: list[Any]) -> Decimal | None:
    text = arg.text("ASCII", a[0])
    return Decimal(ord(text[0])) if text else None


def _chr(ctx: EvalContext, a: list[Any]) -> str | None:
    code = arg.integer("CHR", a[0])
    if code is None:
        return None
    if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise FormulaError(f"CHR({code}): {code} is not a valid character code")
    return chr(code)


def _html(text: str) -> str:
    return "".join(_HTML.get(ch, ch) for ch in text)


def _js(text: str) -> str:
    return "".join(_JS.get(ch, ch) for ch in text)


def _spec(name: str, impl: Any) -> tuple[str, FunctionSpec]:
    return name, FunctionSpec(name, 1, 1, impl)


ENCODE_FUNCTIONS: dict[str, FunctionSpec] = dict(
    [
        _spec("ASCII", _ascii),
        _spec("CHR", _chr),
        _spec("HTMLENCODE", lambda ctx, a: _html(arg.text("HTMLENCODE", a[0]))),
        _spec("JSENCODE", lambda ctx, a: _js(arg.text("JSENCODE", a[0]))),
        # "a convenience function that is equivalent to JSENCODE(HTMLENCODE((someValue))"
        _spec("JSINHTMLENCODE", lambda ctx, a: _js(_html(arg.text("JSINHTMLENCODE", a[0])))),
        # RFC 3986: everything but unreserved characters is percent-encoded as UTF-8 ("blank spaces are replaced with
        # %20, and exclamation points are replaced with %21").
        _spec("URLENCODE", lambda ctx, a: urllib.parse.quote(arg.text("URLENCODE", a[0]), safe="-_.~")),
    ]
)
