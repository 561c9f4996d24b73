"""The flow engine's formula language, checked against Salesforce's documented results.

Reference: Salesforce "Formula Operators and Functions" / Formulas Quick Reference
(https://developer.salesforce.com/docs/atlas.en-us.salesforce_formulas_cheatsheet.meta/salesforce_formulas_cheatsheet/)
and the per-function help pages (help.salesforce.com: customize_functions_addmonths, _ceiling, _floor, _lpad, _rpad).
Null handling: text is never null (ISBLANK vs ISNULL, help "ISNULL"), and a comparison with a null number is not true
(salesforce.stackexchange.com/questions/48639: `null <> 100` evaluates to false), which we model as null -> false.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from salesforce_flow_mcp.localorg.flows.formula.compiler import (
    FormulaError,
)
from tests.localorg.formula_support import NOW, UTC, D, check_expression, run

# (formula, expected result, why it is worth a row)
CASES: list[tuple[str, Any, str]] = [
    # --- arithmetic: Decimal numbers, precedence, nulls
    ("1 + 2 * 3", D(7), "* binds tighter than +"),
    ("(1 + 2) * 3", D(9), ""),
    ("10 / 4", D("2.5"), ""),
    ("0.1 + 0.2", D("0.3"), "Decimal, not binary floating point"),
    ("7 - 10", D(-3), ""),
    ("-(2 + 3)", D(-5), "unary minus"),
    (".5 + 1.", D("1.5"), "number literal forms"),
    ("2 ^ 10", D(1024), "exponent"),
    ("2 ^ -1", D("0.5"), "negative exponent"),
    ("{!amount} * 10", D(125), "corpus: AwardLoyaltyPoints"),
    ("{!count} + 1", D(4), "an int from the resolver is a Number"),
    ("{!ratio} * 4", D(1), "a float from the resolver is a Number"),
    ("{!nothing} + 1", None, "arithmetic with null is null"),
    ("{!nothing} * 0", None, ""),
    ("{!nothing} / 0", None, "null wins before the zero check"),
    # --- text
    ("'a' & 'b'", "ab", ""),
    ('"Hello, " + {!name}', "Hello, Acme Corp", "+ concatenates text"),
    ("'x' & {!nothing} & 'y'", "xy", "null text is empty"),
    ("{!nothing} & {!nothing}", "", ""),
    (r"""'It\'s' & " \"ok\"" & '\\'""", 'It\'s "ok"\\', "backslash escapes in both quote styles"),
    ("'line' & BR() & 'next'", "line<br>next", ""),
    ("LEFT('Salesforce', 5)", "Sales", ""),
    ("LEFT('abc', -1)", "", "negative count"),
    ("LEFT({!nothing}, 3)", "", "text functions treat null as empty"),
    ("RIGHT('Salesforce', 5)", "force", ""),
    ("MID('Salesforce', 6, 3)", "for", ""),
    ("LEN('abc')", D(3), ""),
    ("LEN({!blank})", D(0), ""),
    ("FIND('force', 'Salesforce')", D(6), "1-based"),
    ("FIND('z', 'Salesforce')", D(0), "0 when absent"),
    ("FIND('s', 'Salesforce')", D(5), "case-sensitive: skips the capital S"),
    ("FIND('e', 'Salesforce', 5)", D(10), "start position"),
    ("CONTAINS('Salesforce', 'force')", True, ""),
    ("CONTAINS('Salesforce', 'FORCE')", False, "case-sensitive"),
    ("BEGINS('Salesforce', 'Sales')", True, ""),
    ("SUBSTITUTE('a-b-c', '-', '+')", "a+b+c", "every occurrence"),
    ("UPPER('abc') & LOWER('DEF')", "ABCdef", ""),
    ("TRIM('  hi  ')", "hi", ""),
    ("LPAD('7', 3, '0')", "007", ""),
    ("LPAD('my_company.com', 14, 'z')", "my_company.com", "help LPAD: already 14 characters"),
    ("LPAD('mycompany.com', 2)", "my", "help LPAD: truncates to the padded length"),
    ("RPAD('ab', 5, 'xy')", "abxyx", ""),
    ("INITCAP('hello wORLD')", "Hello World", ""),
    ("TEXT(1.50)", "1.5", "no trailing zeros"),
    ("TEXT(100)", "100", "no exponent"),
    ("TEXT(-0.0)", "0", ""),
    ("TEXT({!start})", "2024-01-31", ""),
    ("TEXT({!stamp})", "2024-03-15 10:30:00Z", "DateTime as GMT"),
    ("TEXT({!nothing})", "", ""),
    ("VALUE('42.50') + 1", D("43.5"), ""),
    ("VALUE(' -3 ')", D(-3), "surrounding spaces are ignored"),
    ("ISNUMBER('12.5')", True, ""),
    ("ISNUMBER('12a')", False, ""),
    (
        "HYPERLINK('https://x.test/a?b=1&c=2', 'Open')",
        '<a href="https://x.test/a?b=1&amp;c=2" target="_blank">Open</a>',
        "",
    ),
    ("CASESAFEID('001000000000001')", "001000000000001AAA", "15 -> 18 characters"),
    ("'b' > 'a'", True, "text comparison"),
    ("'abc' = 'ABC'", False, "text equality is case-sensitive"),
    # --- logic and nulls
    ("IF(1 > 2, 'yes', 'no')", "no", ""),
    ("IF({!zero} = 0, 0, 1 / {!zero})", D(0), "only the chosen branch is evaluated"),
    ("IF({!nothing} > 1, 'yes', 'no')", "no", "a null condition takes the else branch"),
    ("if(true, 'lower', 'x')", "lower", "function names and TRUE are case-insensitive"),
    ("CASE(2, 1, 'one', 2, 'two', 'other')", "two", ""),
    ("CASE({!status}, 'Closed Won', 'W', 'Closed Lost', 'L', '?')", "W", ""),
    ("CASE(9, 1, 'one', 'other')", "other", "else result"),
    ("AND(TRUE, 1 < 2)", True, ""),
    ("OR(FALSE, {!flag})", True, ""),
    ("NOT({!flag})", False, ""),
    ("TRUE && FALSE", False, ""),
    ("false || TRUE", True, ""),
    ("AND({!nothing} > 1, FALSE)", False, "false wins over unknown"),
    ("OR({!nothing} > 1, FALSE)", None, "unknown stays unknown; truthy() makes it false"),
    ("ISBLANK({!nothing})", True, ""),
    ("ISBLANK('')", True, "empty text is blank"),
    ("ISBLANK(' ')", False, "a space is a value"),
    ("ISBLANK(0)", False, "zero is a value"),
    ("ISNULL({!nothing})", True, ""),
    ("ISNULL('')", False, "text is never null, only blank"),
    ("BLANKVALUE({!blank}, 'fallback')", "fallback", ""),
    ("BLANKVALUE({!name}, 'fallback')", "Acme Corp", ""),
    ("NULLVALUE({!nothing}, 5)", D(5), ""),
    ("NULLVALUE({!blank}, 'x')", "", "blank text isn't null"),
    ("{!nothing} = 1", None, "comparing a null number is unknown, not true"),
    ("{!nothing} <> 1", None, "stackexchange 48639: null <> 100 does not fire"),
    ("NULL = NULL", None, "use ISBLANK for null checks, not ="),
    ("{!nothing} = ''", True, "null text equals empty text"),
    ("1 == 1.0", True, "= and == are the same"),
    ("1 != 2", True, ""),
    ("2 <> 2", False, "<> and != are the same"),
    ("3 >= 3", True, ""),
    ("2 <= 1", False, ""),
    ("ISPICKVAL({!status}, 'Closed Won')", True, ""),
    ("INCLUDES({!colors}, 'Green')", True, "multi-select picklist"),
    ("INCLUDES({!colors}, 'Gre')", False, "whole values only"),
    (r"REGEX('415-555-1212', '\\d{3}-\\d{3}-\\d{4}')", True, ""),
    ("REGEX('abc', 'b')", False, "REGEX matches the whole text"),
    ("REGEX('ABC', '(?i)[a-c]+')", True, "inline flags"),
    ("REGEX('ab' & 'ab', '(ab|cd)*')", True, "alternation under a repeat"),
    # --- math
    ("ROUND(1.5, 0)", D(2), "half away from zero"),
    ("ROUND(-1.5, 0)", D(-2), ""),
    ("ROUND(1.2345, 2)", D("1.23"), ""),
    ("ROUND(1234, -2)", D(1200), ""),
    ("CEILING(2.5)", D(3), "help CEILING"),
    ("CEILING(-2.5)", D(-3), "help CEILING: away from zero"),
    ("FLOOR(2.5)", D(2), "help FLOOR"),
    ("FLOOR(-2.5)", D(-2), "help FLOOR: towards zero"),
    ("MCEILING(-2.5)", D(-2), "mathematical ceiling"),
    ("MFLOOR(-2.5)", D(-3), "mathematical floor"),
    ("ABS(-3)", D(3), ""),
    ("MAX(1, 5, 3) + MIN(4, 2)", D(7), ""),
    ("MOD(10, 3)", D(1), ""),
    ("SQRT(16)", D(4), ""),
    ("EXP(0) + LN(1)", D(1), ""),
    ("LOG(1000)", D(3), "base 10"),
    ("TRUNC(3.789, 1)", D("3.7"), ""),
    # --- dates and times (NOW is fixed at 2024-03-15 10:30 UTC, a Friday)
    ("TODAY()", datetime.date(2024, 3, 15), ""),
    ("NOW()", NOW, ""),
    ("{!$Flow.CurrentDate} + 1", datetime.date(2024, 3, 16), "flow clock globals come from now"),
    ("$Flow.CurrentDateTime", NOW, "bare global reference without braces"),
    ("{!start} + 1", datetime.date(2024, 2, 1), "Date + Number adds days"),
    ("{!start} - 31", datetime.date(2023, 12, 31), ""),
    ("DATE(2024, 3, 1) - DATE(2024, 2, 1)", D(29), "Date - Date is days (leap year)"),
    ("{!later} - {!stamp}", D("1.5"), "DateTime - DateTime is fractional days"),
    ("{!stamp} + 0.5", datetime.datetime(2024, 3, 15, 22, 30, tzinfo=UTC), "DateTime + fractional days"),
    ("NOW() - (90 / 1440)", datetime.datetime(2024, 3, 15, 9, 0, tzinfo=UTC), "corpus: AIM_IncidentDetector"),
    ("ADDMONTHS(DATE(2017, 9, 20), 5)", datetime.date(2018, 2, 20), "help ADDMONTHS"),
    ("ADDMONTHS(DATE(2017, 9, 30), 5)", datetime.date(2018, 2, 28), "help ADDMONTHS: last day stays last day"),
    ("ADDMONTHS({!leap}, 12)", datetime.date(2025, 2, 28), ""),
    ("YEAR({!start}) * 10000 + MONTH({!start}) * 100 + DAY({!start})", D(20240131), ""),
    ("WEEKDAY(DATE(2024, 3, 17))", D(1), "1 is Sunday"),
    ("WEEKDAY(TODAY())", D(6), "Friday"),
    ("DATEVALUE('2024-07-04')", datetime.date(2024, 7, 4), ""),
    ("DATEVALUE({!stamp})", datetime.date(2024, 3, 15), "date part of a DateTime"),
    ("DATEVALUE('2024-07-04T09:00:00Z')", datetime.date(2024, 7, 4), "corpus: CreateBooking passes ISO text"),
    ("DATETIMEVALUE('2024-07-04 09:15:00')", datetime.datetime(2024, 7, 4, 9, 15, tzinfo=UTC), "GMT"),
    ("DATE(2024, 1, 31) < DATE(2024, 2, 1)", True, ""),
    ("TIMEVALUE('13:45:30.250')", datetime.time(13, 45, 30, 250000), ""),
    ("HOUR(TIMEVALUE('13:45:30'))", D(13), ""),
    ("{!noon} + 1000", datetime.time(12, 0, 1), "Time arithmetic is in milliseconds"),
    # --- references and syntax
    ("{!Account.Name}", "Acme Corp", "dotted merge field"),
    ("Account.Name & '!'", "Acme Corp!", "bare dotted reference"),
    ("{! amount } + 0", D("12.5"), "spaces inside a merge field"),
    ("'Incident - ' & {!$Record.Subject}", "Incident - Printer on fire", "corpus: AIM_IncidentDetector"),
    ('"TXN-" & LEFT({!$Flow.InterviewGuid}, 15)', "TXN-0Fo5g000000abcd", "corpus: ProcessPayment"),
    ("1 /* a comment */ + 1", D(2), "comments are ignored"),
    ("1 +\n  2", D(3), "newlines are whitespace"),
]


@pytest.mark.parametrize(("formula", "expected", "why"), CASES, ids=[case[0][:50] for case in CASES])
def test_expression(formula: str, expected: Any, why: str) -> None:
    check_expression(formula, expected, why)


# (formula, a fragment the error message must contain)
ERRORS: list[tuple[str, str]] = [
    ("'a' > 1", "Incorrect parameter type for operator '>'. Expected Number, received Text"),
    ("1 + 'a'", "Incorrect parameter type for operator '+'. Expected Number, received Text"),
    ("'a' & 1", "Incorrect parameter type for operator '&'. Expected Text, received Number"),
    ("{!start} + {!start}", "Expected Number, received Date"),
    ("{!stamp} - {!start}", "received Date"),
    ("TRUE > FALSE", "can't compare Boolean"),
    ("UPPER(5)", "Incorrect parameter type for function 'UPPER()'. Expected Text, received Number"),
    ("IF(1, 2, 3)", "Incorrect parameter type for function 'IF()'. Expected Boolean, received Number"),
    ("CASE(1, 'a', 'b', 'c')", "Incorrect parameter type for function 'CASE()'"),
    ("FOO(1)", "Unknown function FOO. Check spelling."),
    ("LEFT('a')", "Incorrect number of parameters for function 'LEFT()'. Expected 2, received 1"),
    ("NOW(1)", "Incorrect number of parameters for function 'NOW()'. Expected 0, received 1"),
    ("CASE(1, 1, 'a', 2, 'b')", "Expected an even number, received 5"),
    ("1 / 0", "Division by zero"),
    ("MOD(5, 0)", "Division by zero"),
    ("VALUE('abc')", "VALUE: 'abc' isn't a number"),
    ("{!missing} + 1", "Unknown reference 'missing'"),
    ("Opportunity.Amount", "Unknown reference 'Opportunity.Amount'"),
    ("1 +", "Syntax error at 1:4"),
    ("(1 + 2", "missing ')'"),
    ("1 2", "Syntax error at 1:3: unexpected '2'"),
    ("LEN(\n  'a',\n  'b' 'c')", "Syntax error at 3:7"),
    ("'abc", "Syntax error at 1:1: text starting with ' is never closed"),
    ("{!amount", "merge field {!...} is never closed"),
    ("1 # 2", "Syntax error at 1:3: unexpected character '#'"),
    ("   ", "The formula is empty"),
    ("{!}", "Empty merge field"),
    ("$Flow.CurrentDate(1)", "isn't a function"),
    ("DATE(2023, 2, 29)", "DATE(2023, 2, 29) isn't a valid date"),
    ("DATEVALUE('next week')", "DATEVALUE: 'next week' isn't a valid date"),
    ("SQRT(-1)", "SQRT: the number must be zero or more"),
    ("10 ^ 5000", "Number out of range"),
    ("LPAD('a', 2000000)", "longer than"),
    ("REGEX('aa', '(a)\\\\1')", "backreferences"),
    ("REGEX('a', '[')", "REGEX: invalid pattern"),
]


@pytest.mark.parametrize(("formula", "message"), ERRORS, ids=[case[0][:50] for case in ERRORS])
def test_error(formula: str, message: str) -> None:
    with pytest.raises(FormulaError) as caught:
        run(formula)
    assert message in str(caught.value)
