"""The server when no org is configured: it still completes the handshake, offers the read-only tools (each answers
with what to configure) and a `setup_status` tool whose text is the report `doctor` prints."""

from __future__ import annotations

import io
from dataclasses import dataclass

import mcp_types as types

from .auth.errors import AuthError
from .config import Settings

SETUP_TOOL = "setup_status"
INSTRUCTIONS = (
    "This Salesforce Flows server is not connected to an org yet. Call setup_status and tell the user the steps it "
    "gives (sign in with `salesforce-flow-mcp login`, use an sf CLI login with --target-org, or try the embedded "
    "demo org with --demo); the other tools answer with the same steps until then."
)


@dataclass(frozen=True)
class SetupStatus:
    problem: str  # why no org could be used, as the sign-in code said it
    report: str  # what `doctor` prints for these settings

    @classmethod
    async def checked(cls, settings: Settings, problem: str) -> SetupStatus:
        from .auth.doctor import run_doctor

        out = io.StringIO()
        await run_doctor(settings, out=out)
        return cls(problem, out.getvalue())

    @property
    def message(self) -> str:
        return (
            f"Not connected to a Salesforce org: {self.problem}\n\nWhat `salesforce-flow-mcp doctor` says:\n\n"
            f"{self.report}\nAfter configuring, restart the server (in your host: reconnect or restart it)."
        )

    @property
    def tool(self) -> types.Tool:
        return types.Tool(
            name=SETUP_TOOL,
            title="Setup status",
            description=(
                "This server is not connected to a Salesforce org yet. Returns the steps to configure it (the report "
                "`salesforce-flow-mcp doctor` prints), including `--demo` to try the embedded org."
            ),
            input_schema={"type": "object", "properties": {}, "additionalProperties": False},
            annotations=types.ToolAnnotations(read_only_hint=True, open_world_hint=False),
        )

    def result(self) -> types.CallToolResult:
        return types.CallToolResult(content=[types.TextContent(type="text", text=self.message)])


class UnconfiguredCredentials:
    """Credentials that only ever say what to configure: every tool call becomes a tool error with the steps."""

    mode = "not configured"

    def __init__(self, setup: SetupStatus) -> None:
        self._setup = setup

    @property
    def instance_url(self) -> str:
        return "http://127.0.0.1:0"  # never reached: every request asks for a token first, and that fails

    async def access_token(self) -> str:
        raise AuthError(self._setup.message)

    async def refresh(self, rejected_token: str) -> str:
        raise AuthError(self._setup.message)

    async def aclose(self) -> None:
        return None
