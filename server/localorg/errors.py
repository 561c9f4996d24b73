"""Salesforce's REST error format: a JSON array of {message, errorCode[, fields]} with the matching HTTP status."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from starlette.responses import Response

JSON_MEDIA_TYPE = "application/json;charset=UTF-8"


class OrgError(Exception):
    """Raised anywhere in the org; the app turns it into Salesforce's error response."""

    def __init__(self, status: int, error_code: str, message: str, fields: Sequence[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = list(fields) if fields is not None else None

    def body(self) -> list[dict[str, Any]]:
        item: dict[str, Any] = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            item["fields"] = self.fields
        return [item]


def json_response(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Compact JSON as Salesforce sends it (non-ASCII kept, no NaN)."""
    body = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    return Response(body, status_code=status, media_type=JSON_MEDIA_TYPE, headers=headers)


def error_response(
    status: int,
    error_code: str,
    message: str,
    fields: Sequence[str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return json_response(OrgError(status, error_code, message, fields).body(), status, headers)


def not_found(message: str = "The requested resource does not exist") -> OrgError:
    return OrgError(404, "NOT_FOUND", message)


def bad_request(error_code: str, message: str, fields: Sequence[str] | None = None) -> OrgError:
    return OrgError(400, error_code, message, fields)


INVALID_SESSION = OrgError(401, "INVALID_SESSION_ID", "Session expired or invalid")
