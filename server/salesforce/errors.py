"""What can go wrong talking to Salesforce, as types. Callers branch on the type, never on a message or a status.

The hierarchy (drawn the way httpx documents its exceptions):

* SalesforceError              anything the REST client raises; `message`, and `error_code` for the agent to read
  + SalesforceUnreachable      no answer came back: connect failed, the request timed out or the connection dropped;
  |                            `may_have_run` is true when the request may have reached Salesforce (a POST that
  |                            timed out may have run its flow)
  |  - CallDeadlineExceeded    the tool call's overall deadline passed, retries included (`seconds`)
  + SalesforceAPIError         Salesforce answered with an error status; `status`, `error_code` (Salesforce's
  |                            errorCode, or `HTTP_<status>` when the body is not in Salesforce's error format),
  |                            `fields`, and `errors` with every entry of a multi-error body
  + UnexpectedResponse         a success status whose body is not what the API documents (not JSON, not the shape
  |                            the operation returns); `status`
  + AuthenticationFailed       no access token could be had: sign-in or refresh failed; the message says what to do

Every message is written to be shown to an agent as it is: no secrets (the auth package's messages are masked, and
the MCP wiring masks every result again) and no value quoted at length (see `quoting`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .quoting import excerpt, org_message


class SalesforceError(Exception):
    """Base class: something went wrong talking to Salesforce."""

    error_code = "SALESFORCE_ERROR"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.error_code}: {self.message}{self._suffix()}"

    def _suffix(self) -> str:
        """What follows the message: the fields and HTTP status of an answer, or that none came."""
        return ""

    @staticmethod
    def from_response(status: int, body: bytes, content_type: str = "") -> SalesforceAPIError:
        """Kept for callers of the single-class era: the same as `api_error_from_response`."""
        return api_error_from_response(status, body, content_type)


class SalesforceUnreachable(SalesforceError):
    """No answer came back from Salesforce."""

    error_code = "CONNECTION_ERROR"

    def __init__(self, message: str, *, may_have_run: bool = False) -> None:
        super().__init__(message)
        self.may_have_run = may_have_run

    def _suffix(self) -> str:
        return " [no response]"


class CallDeadlineExceeded(SalesforceUnreachable):
    """The call's overall deadline passed before Salesforce answered (retries included)."""

    error_code = "TIMEOUT"

    def __init__(self, message: str, *, seconds: float, may_have_run: bool = False) -> None:
        super().__init__(message, may_have_run=may_have_run)
        self.seconds = seconds


class SalesforceAPIError(SalesforceError):
    """Salesforce (or whatever stands in front of it) answered with an error status."""

    def __init__(
        self,
        status: int,
        error_code: str,
        message: str,
        fields: Sequence[str] = (),
        errors: Sequence[dict[str, Any]] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.fields = list(fields)
        self.errors = [dict(e) for e in errors]

    def _suffix(self) -> str:
        fields = f" (fields: {', '.join(self.fields)})" if self.fields else ""
        return f"{fields} [HTTP {self.status}]"


class UnexpectedResponse(SalesforceError):
    """A success status with a body the operation does not document."""

    error_code = "UNEXPECTED_RESPONSE"

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status

    def _suffix(self) -> str:
        return f" [HTTP {self.status}]"


class AuthenticationFailed(SalesforceError):
    """No access token could be had; the message (already free of secrets) says what to do."""

    error_code = "AUTHENTICATION_FAILED"


def api_error_from_response(status: int, body: bytes, content_type: str = "") -> SalesforceAPIError:
    """Salesforce's error bodies: `[{"message","errorCode","fields"}]`, an OAuth `{"error",...}`, or anything else.

    A body in neither format (a proxy page, a maintenance notice) keeps its HTTP status and a short excerpt.
    """
    text = body.decode("utf-8", errors="replace").strip()
    parsed: Any = None
    if text:
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
    if isinstance(parsed, dict):
        parsed = [parsed]
    if isinstance(parsed, list) and parsed and all(isinstance(e, dict) for e in parsed) and _has_error_keys(parsed):
        first = parsed[0]
        code = str(first.get("errorCode") or first.get("statusCode") or first.get("error") or f"HTTP_{status}")
        # An org message can quote a value the caller sent, megabytes of it: each is cut to its two ends.
        messages = [org_message(str(e.get("message") or e.get("error_description") or "")) for e in parsed]
        message = "; ".join(m for m in messages if m) or f"Salesforce returned HTTP {status}"
        fields = [str(f) for e in parsed for f in (e.get("fields") or [])]
        return SalesforceAPIError(status, excerpt(code), message, [excerpt(f) for f in fields], parsed)
    kind = "non-JSON" if parsed is None and "json" not in content_type.lower() else "unrecognised JSON"
    shown = excerpt(" ".join(text.split()), limit=300) if text else "(empty body)"
    return SalesforceAPIError(
        status, f"HTTP_{status}", f"Salesforce returned HTTP {status} with a {kind} body: {shown}"
    )


_ERROR_KEYS = ("errorCode", "statusCode", "error", "message", "error_description")


def _has_error_keys(entries: list[dict[str, Any]]) -> bool:
    return any(key in entry for entry in entries for key in _ERROR_KEYS)
