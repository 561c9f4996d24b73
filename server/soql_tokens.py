"""SOQL's tokens as lark terminals: names, comparison operators and the literals (quoted strings, dates, date-times,
numbers), with white space ignored.

Both SOQL grammars end with these: the MCP side's query reader (salesforce/soql_reads.py) and the embedded org's
parser (localorg/soql/parser.py). Each keeps its own rules, since they read different subsets for different ends;
the tokens are SOQL's own and the same in both. It imports nothing from either side. Date and date-time formats:
SOQL and SOSL Reference, "Date Formats and Date Literals in WHERE",
https://developer.salesforce.com/docs/platform/salesforce-soql-sosl/guide/sforce-api-calls-soql-select-dateformats.html
"""

from __future__ import annotations

LITERAL_TERMINALS = r"""
COMP_OP: "=" | "!=" | "<>" | "<=" | ">=" | "<" | ">"
NAME: /[a-z_][a-z0-9_]*/i
STRING: /'(?:[^'\\]|\\.)*'/
DATETIME.3: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})/
DATE.2: /\d{4}-\d{2}-\d{2}/
NUMBER: /[+-]?(\d+(\.\d*)?|\.\d+)/

%import common.WS
%ignore WS
"""
