"""What the answer to an invocable-action POST means: the one reading every invoke path uses.

Salesforce answers `POST /actions/custom/flow/{name}` in one of three documented ways:

* a JSON array with one item per input, in input order, each with `isSuccess`, `errors` (null or [] on success,
  `[{"statusCode", "message", "fields"}]` on failure) and `outputValues`: status 200 when every input succeeded,
  400 when at least one failed (the array still holds the successful ones);
* a request-level error, the REST API's standard array `[{"message", "errorCode"}]` (a body it cannot parse:
  400 JSON_PARSER_ERROR), when the request as a whole was refused and no input ran;
* anything else (a proxy's page, a body in no documented shape), which is not Salesforce's answer to trust.

Sources are in docs/salesforce-behaviour.md ("Invoking a flow").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .client import Reply
from .errors import UnexpectedResponse

Result = dict[str, Any]


@dataclass(frozen=True)
class ActionAnswer:
    """Salesforce's per-input results, in input order, and the HTTP status they came with (200, or 400 when one
    failed)."""

    status: int
    results: list[Result]

    @property
    def failed(self) -> list[tuple[int, Result]]:
        return [(i, r) for i, r in enumerate(self.results) if not r.get("isSuccess")]


def read_action_answer(reply: Reply, inputs: int | None = None) -> ActionAnswer:
    """The per-input items of an invocable-action answer, or the error the answer stands for.

    A request-level error array raises SalesforceAPIError with Salesforce's errorCode and message; a body in no
    documented shape raises too (SalesforceAPIError with its status when it is an error status, else
    UnexpectedResponse). `inputs`, when given, is how many items the answer must hold.
    """
    body = reply.body
    if isinstance(body, list) and body and all(_is_per_input_item(item) for item in body):
        if inputs is not None and len(body) != inputs:
            raise UnexpectedResponse(
                reply.status,
                f"Salesforce answered {len(body)} results for {inputs} inputs; which input each belongs "
                "to cannot be told",
            )
        return ActionAnswer(reply.status, body)
    raise reply.error()  # a request-level error keeps its errorCode and message; other bodies say they are unexpected


def first_error_code(result: Result) -> str:
    errors = result.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("statusCode") or errors[0].get("errorCode") or "FLOW_ERROR")
    return "FLOW_ERROR"


def _is_per_input_item(item: Any) -> bool:
    return isinstance(item, dict) and "isSuccess" in item
