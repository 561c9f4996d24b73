"""Who the current MCP request acts for, and the Credentials that make every Salesforce call as that user.

The bearer middleware authenticates each HTTP request; a Server middleware (`UserContext`) puts the token's subject
in a context variable for the length of the MCP request it carries, and `UserCredentials` hands the REST client
that user's Salesforce token. Work no user asked for (loading the flow catalogue in the background) runs as the
server's own identity, the one configured as for a single-user server.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.context import CallNext, ServerRequestContext

from ..auth.credentials import Credentials
from ..auth.errors import AuthError
from .grants import SalesforceGrants
from .machine import MACHINE_SUBJECT_PREFIX

current_subject: ContextVar[str | None] = ContextVar("salesforce_flow_mcp_subject", default=None)


def request_subject(ctx: ServerRequestContext[Any, Any]) -> str | None:
    request = ctx.request
    scope = getattr(request, "scope", None)
    user = scope.get("user") if isinstance(scope, dict) else None
    return user.access_token.subject if isinstance(user, AuthenticatedUser) else None


class UserContext:
    """Server middleware: every request runs with its caller's subject set; a request without one is refused
    (the bearer middleware lets none through, this keeps it so if the wiring ever changes)."""

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> Any:
        subject = request_subject(ctx)
        if subject is None:
            raise PermissionError("no authenticated user on this request")
        token = current_subject.set(subject)
        try:
            return await call_next(ctx)
        finally:
            current_subject.reset(token)


class UserCredentials:
    """Credentials (auth.credentials.Credentials) that are the current user's when a request has one, and the
    server's own otherwise. Every user is in the server's org (sign-in refuses another org), so the instance URL is
    the server's."""

    def __init__(
        self, service: Credentials, grants: SalesforceGrants, machines: Mapping[str, Credentials] | None = None
    ) -> None:
        self.service = service
        self.grants = grants
        self.machines = dict(machines or {})  # subject "client:<id>" -> the Salesforce identity it is mapped to

    def _machine(self, subject: str) -> Credentials:
        found = self.machines.get(subject)
        if found is None:
            raise AuthError(f"the machine client {subject.removeprefix(MACHINE_SUBJECT_PREFIX)!r} is not configured")
        return found

    @property
    def instance_url(self) -> str:
        return self.service.instance_url

    @property
    def mode(self) -> str:
        return f"each user's own sign-in (background work: {self.service.mode})"

    async def access_token(self) -> str:
        subject = current_subject.get()
        if subject is None:
            return await self.service.access_token()
        if subject.startswith(MACHINE_SUBJECT_PREFIX):
            return await self._machine(subject).access_token()
        grant = await self.grants.load(subject)
        if grant is None:
            raise AuthError(self.grants.sign_in_again)
        return grant.access_token

    async def refresh(self, rejected_token: str) -> str:
        subject = current_subject.get()
        if subject is None:
            return await self.service.refresh(rejected_token)
        if subject.startswith(MACHINE_SUBJECT_PREFIX):
            return await self._machine(subject).refresh(rejected_token)
        return await self.grants.refresh(subject, rejected_token)

    async def aclose(self) -> None:
        for machine in self.machines.values():
            if machine is not self.service:
                await machine.aclose()
        await self.service.aclose()
