"""Every tool result leaves the server with the known secrets masked, whatever put them there.

An org error that echoes the request's headers (a reflecting proxy does), a record field holding a token, an
exception message: the tool layer cannot know every place a secret may come back from, so the MCP wiring masks
each result once on its way out (auth/masking.py: the registered secrets and the token shapes).
"""

from __future__ import annotations

import json
from typing import Any

import mcp_types as types

from .auth.masking import redact_secrets


def masked_result(result: types.CallToolResult) -> types.CallToolResult:
    content = [_masked_block(block) for block in result.content]
    structured = result.structured_content
    if structured is not None:
        # One pass over the encoded value tells whether anything needs masking; only then is it walked.
        encoded = json.dumps(structured, ensure_ascii=False, default=str)
        if redact_secrets(encoded) != encoded:
            structured = _masked_value(structured)
    if content == result.content and structured is result.structured_content:
        return result
    return result.model_copy(update={"content": content, "structured_content": structured})


def _masked_block(block: Any) -> Any:
    if isinstance(block, types.TextContent):
        text = redact_secrets(block.text)
        return block if text == block.text else block.model_copy(update={"text": text})
    return block


def _masked_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_secrets(value)
    if isinstance(value, list):
        return [_masked_value(item) for item in value]
    if isinstance(value, dict):
        return {_masked_value(key): _masked_value(item) for key, item in value.items()}
    return value
