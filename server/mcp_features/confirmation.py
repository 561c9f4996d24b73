"""Asking the user before a call changes the org, through elicitation (form mode), in both protocol eras.

- 2025-11-25: an `elicitation/create` request to the client while the call waits.
- 2026-07-28: there is no back channel. The call answers `InputRequiredResult` carrying the question; the client asks
  the user and retries the same call with the answer (`inputResponses`) and our `requestState`, which the SDK's
  RequestStateBoundary seals and binds to the same tool and arguments, so an answer counts only for the question
  this server asked about exactly this call.
A client that declared no elicitation capability is not asked: it works as before (hosts confirm tool calls
themselves, guided by the tools' annotations).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from mcp.shared.exceptions import MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from salesforce_flow_mcp.config import ConfirmMode

logger = logging.getLogger(__name__)

CONFIRM_KEY = "confirm"
ASKED_STATE = "salesforce-flow-mcp/confirm/v1"
CONFIRM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        CONFIRM_KEY: {
            "type": "boolean",
            "title": "Go ahead",
            "description": "Yes: the server sends this to the org. No: nothing is sent.",
            "default": True,
        }
    },
    "required": [CONFIRM_KEY],
}


class Answer(enum.Enum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    NOT_ASKED = "not asked"  # the client cannot be asked: the call goes ahead as it always did


@dataclass(frozen=True)
class ConfirmPolicy:
    mode: ConfirmMode = "writes"
    production: bool = False  # --confirm-production: ask before every call on a production org

    def should_ask(self, *, writes: bool, on_production: bool) -> bool:
        if self.production and on_production:
            return True
        return self.mode == "always" or (self.mode == "writes" and writes)


def tool_writes(tool: types.Tool) -> bool:
    """From the tool's annotations: destructive, or not declared read-only, means it may change the org."""
    hints = tool.annotations
    if hints is None:
        return True
    return hints.destructive_hint is True or hints.read_only_hint is not True


def can_elicit(ctx: Any) -> bool:
    capabilities = ctx.session.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    # A bare `elicitation: {}` (from before modes existed) means form mode; URL-only clients cannot show a form.
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


async def ask(ctx: Any, params: types.CallToolRequestParams, question: str) -> Answer | types.InputRequiredResult:
    """The user's answer, or (2026-07-28) the InputRequiredResult that carries the question to them."""
    if not can_elicit(ctx):
        return Answer.NOT_ASKED
    if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
        reply = (params.input_responses or {}).get(CONFIRM_KEY)
        if params.request_state == ASKED_STATE and isinstance(reply, types.ElicitResult):
            return answer_of(reply)
        request = types.ElicitRequest(
            params=types.ElicitRequestFormParams(message=question, requested_schema=CONFIRM_SCHEMA)
        )
        return types.InputRequiredResult(input_requests={CONFIRM_KEY: request}, request_state=ASKED_STATE)
    try:
        reply = await ctx.session.elicit_form(question, CONFIRM_SCHEMA, related_request_id=ctx.request_id)
    except MCPError as exc:  # the client said it could ask, then could not: the safe reading is "not confirmed"
        logger.warning("the client could not ask the user to confirm (%s); nothing is sent", exc)
        return Answer.CANCELLED
    return answer_of(reply)


def answer_of(reply: types.ElicitResult) -> Answer:
    if reply.action == "accept":
        confirmed = (reply.content or {}).get(CONFIRM_KEY)
        return Answer.ACCEPTED if confirmed is True else Answer.DECLINED
    return Answer.DECLINED if reply.action == "decline" else Answer.CANCELLED


def not_run_message(tool: str, answer: Answer, question: str) -> str:
    how = "declined" if answer is Answer.DECLINED else "cancelled the confirmation"
    return (
        f"Not run: the user {how} ({question}). Nothing was sent to the org. Ask the user before trying {tool} again."
    )
