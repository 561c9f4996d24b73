"""One typed error for everything that can go wrong talking to Salesforce."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SalesforceError(Exception):
    """Salesforce answered with an error, or could not be reached.

    `status` is the HTTP status (0 when no answer came back), `error_code` Salesforce's errorCode (or a code of ours
    such as CONNECTION_ERROR), `message` what Salesforce said. `errors` keeps every entry of a multi-error body.
    """

    status: int
    error_code: str
    message: str
    fields: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"HTTP {self.status}" if self.status else "no response"
        fields = f" (fields: {', '.join(self.fields)})" if self.fields else ""
        return f"{self.error_code}: {self.message}{fields} [{where}]"

    @classmethod
    def from_response(cls, status: int, body: bytes, content_type: str = "") -> SalesforceError:
        """Parse Salesforce's error bodies: `[{"message","errorCode","fields"}]`, an OAuth `{"error",...}`, or text."""
        text = body.decode("utf-8", errors="replace").strip()
        parsed: Any = None
        if text:
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
        if isinstance(parsed, dict):
            parsed = [parsed]
        if isinstance(parsed, list) and parsed and all(isinstance(e, dict) for e in parsed):
            first = parsed[0]
            code = str(first.get("errorCode") or first.get("statusCode") or first.get("error") or f"HTTP_{status}")
            messages = [str(e.get("message") or e.get("error_description") or "") for e in parsed]
            message = "; ".join(m for m in messages if m) or f"Salesforce returned HTTP {status}"
            fields = [str(f) for e in parsed for f in (e.get("fields") or [])]
            return cls(status, code, message, fields, [dict(e) for e in parsed])
        # Not Salesforce's JSON error format (a proxy page, a maintenance notice...): keep a readable excerpt.
        excerpt = " ".join(text.split())[:300] or "(empty body)"
        kind = "non-JSON" if "json" not in content_type.lower() else "unrecognised JSON"
        return cls(status, f"HTTP_{status}", f"Salesforce returned HTTP {status} with a {kind} body: {excerpt}")
