"""Type aliases every layer shares, each defined once."""

from __future__ import annotations

from typing import Any, Literal, get_args

__all__ = ["DIALECTS", "Args", "Dialect", "JSONSchema"]

# A tool's arguments (or a request's parameters) as JSON objects decode: names to values.
Args = dict[str, Any]
# A JSON Schema document (draft 2020-12), as tools/list carries it.
JSONSchema = dict[str, Any]
# Which paths the org serves: `salesforce` is a real org's REST API, `seed` the seed spec's paths.
Dialect = Literal["salesforce", "seed"]
DIALECTS: tuple[Dialect, ...] = get_args(Dialect)
