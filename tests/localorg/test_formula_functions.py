"""Formula functions added for flows, each against the example in Salesforce's documentation, and the functions
Salesforce documents that the embedded org does not evaluate (a clear error naming why, never "Unknown function").

Source: Salesforce Help, "Formula Operators and Functions by Context"
(https://help.salesforce.com/s/articleView?id=platform.customize_functions.htm) and the per-function pages it links
(customize_functions_ascii, _chr, _htmlencode, _jsencode, _jsinhtmlencode, _urlencode, _formatduration).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from salesforce_flow_mcp.localorg.flows.formula.compiler import FormulaError
from salesforce_flow_mcp.localorg.flows.formula.functions import FUNCTIONS, NOT_YET
from tests.localorg.formula_support import run


@pytest.mark.parametrize(
    ("formula", "expected", "source"),
    [
        ('ASCII("A")', Decimal(65), "ASCII: the first character's code point"),
        ('ASCII("Salesforce")', Decimal(83), "ASCII: only the first character counts"),
        ('ASCII("")', None, "ASCII: an empty text gives null"),
        ("CHR(65)", "A", "CHR: the character of a code point"),
        ('HTMLENCODE("<b>Tom & Jerry</b>")', "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;", "HTMLENCODE: reserved characters"),
        ('JSENCODE("Mark\'s page")', "Mark\\'s page", "JSENCODE: a backslash before the apostrophe"),
        ('JSINHTMLENCODE("<i>it\'s</i>")', "&lt;i&gt;it&#39;s&lt;/i&gt;", "JSINHTMLENCODE = JSENCODE(HTMLENCODE())"),
        ('URLENCODE("Hello World!")', "Hello%20World%21", "URLENCODE: spaces %20, exclamation points %21"),
        ("FORMATDURATION(500000)", "138:53:20", "FORMATDURATION: seconds as HH:MM:SS"),
        ("FORMATDURATION(500000, true)", "5:18:53:20", "FORMATDURATION: with days, D:HH:MM:SS"),
        (
            "FORMATDURATION(DATETIMEVALUE('2024-03-15 10:00:00'), DATETIMEVALUE('2024-03-16 11:30:05'), true)",
            "1:01:30:05",
            "FORMATDURATION: between two DateTimes",
        ),
        ("FORMATDURATION(TIMEVALUE('10:00:00'), TIMEVALUE('08:59:30'))", "01:00:30", "between Times: the length"),
    ],
)
def test_documented_examples(formula: str, expected: Any, source: str) -> None:
    assert run(formula) == expected, source


@pytest.mark.parametrize("name", sorted(NOT_YET))
def test_functions_the_org_does_not_evaluate_say_why(name: str) -> None:
    with pytest.raises(FormulaError, match=rf"^The embedded org does not evaluate {name}\(\): .+\.$"):
        run(f"{name}(1)")


def test_no_function_is_both_supported_and_not_yet() -> None:
    assert not set(FUNCTIONS) & set(NOT_YET)


def test_an_unknown_function_is_still_a_spelling_error() -> None:
    with pytest.raises(FormulaError, match=r"^Unknown function FROBNICATE\. Check spelling\.$"):
        run("FROBNICATE(1)")
