"""The tools/call pipeline: check the arguments, ask the user when the policy says so, then run the call with
progress and the long-call bound. tools/list waits for the first flow catalogue with progress too."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import anyio
import mcp_types as types

from salesforce_flow_mcp.tools.catalogue import Catalogue, error_result
from salesforce_flow_mcp.tools.flow_tools import REFRESH_TOOL
from salesforce_flow_mcp.tools.validation import ArgumentError, validate_arguments

from .batching import INVOKE_FLOW, invoke_in_batches
from .confirmation import Answer, ConfirmPolicy, ask, not_run_message, tool_writes
from .long_calls import Job, LongCalls, still_running_result
from .org_kind import OrgKindProbe
from .progress import ProgressHub, RequestProgress
from .questions import question
from .resources import flow_uri

if TYPE_CHECKING:
    from salesforce_flow_mcp.tools.flow_catalogue import FlowCatalogue

Args = dict[str, Any]
CREATE_INTERVIEW = "create_flow_interview"
DESCRIBE_FLOW = "get_invocable_flow_metadata"


@dataclass
class ToolCalls:
    catalogue: Catalogue
    flows: FlowCatalogue | None
    policy: ConfirmPolicy
    org: OrgKindProbe
    long_calls: LongCalls
    loader_progress: ProgressHub
    invoke_batch_size: int = 0  # 0: invoke_flow sends all records in one request (see batching)
    progress_interval: float = 5.0

    async def list_tools(self, ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        if self.flows is not None:
            report = RequestProgress(ctx)
            ready = anyio.Event()
            async with anyio.create_task_group() as group:
                group.start_soon(self.loader_progress.follow, report, ready)
                await self.flows.wait_ready()  # bounded: a slow org still gets an answer
                ready.set()
            report.close()
        return types.ListToolsResult(tools=self.catalogue.tools())

    async def call_tool(
        self, ctx: Any, params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        name = params.name
        arguments: Args = dict(params.arguments or {})
        registered = self.catalogue.get(name)
        if registered is None and await self.catalogue.hooks.on_unknown_tool(name):
            registered = self.catalogue.get(name)  # a flow new since the last refresh: asked about like any other
        if registered is None:  # the catalogue explains (did you mean, no active version)
            return await self.catalogue.call(name, arguments)
        flow = self._flow_of(name, arguments)
        writes = tool_writes(self._tool_for(name, flow) or _unknown_flow_tool(name))
        kind = None
        on_production = False
        if self.policy.production:
            kind = await self.org.kind()
            on_production = kind.maybe_production
        if self.policy.should_ask(writes=writes, on_production=on_production):
            try:  # nobody is asked about a call that cannot run (a call not asked about is checked by the catalogue)
                checked = registered.prepare(dict(arguments)) if registered.prepare else dict(arguments)
                validate_arguments(name, registered.validator, checked)
            except ArgumentError as exc:
                return error_result(str(exc))
            asked = question(name, arguments, (kind or self.org.quick()).label, flow)
            answer = await ask(ctx, params, asked)
            if isinstance(answer, types.InputRequiredResult):
                return answer
            if answer in (Answer.DECLINED, Answer.CANCELLED):
                return error_result(not_run_message(name, answer, asked))
        report = RequestProgress(ctx)
        records = len(arguments.get("inputs") or []) if name == INVOKE_FLOW else None

        async def work(job: Job) -> types.CallToolResult:
            # A write that runs on in the background is answered at the long-call bound and must not be cut by the
            # catalogue's per-call deadline: its outcome is kept. Everything else answers within the deadline.
            deadline = not (job.background and not job.reads_only)
            call = partial(self.catalogue.call, deadline=deadline)
            size = self.invoke_batch_size
            if name == INVOKE_FLOW and size and report.enabled and (records or 0) > size:
                return await invoke_in_batches(call, arguments, size, report, job.stop, job.sent)
            if name == REFRESH_TOOL:
                return await self._with_loader_progress(report, name, arguments)
            if records:
                job.sent[0] = records
            return await self._with_heartbeats(report, name, arguments, records, deadline=deadline)

        def still_running(job: Job) -> types.CallToolResult:
            return still_running_result(job, self.long_calls.bound, flow, records)

        try:
            # A read answers within the catalogue's deadline (TIMEOUT, nothing changed); a write at the bound.
            reads_in_time = not writes and bool(self.catalogue.call_timeout)
            result = await self.long_calls.run(
                name, work, still_running, reads_only=not writes, bounded=not reads_in_time
            )
        finally:
            report.close()
        if name == DESCRIBE_FLOW and flow and not result.is_error:
            result.content.append(flow_link(flow))
        return result

    async def _with_loader_progress(self, report: RequestProgress, name: str, arguments: Args) -> types.CallToolResult:
        done = anyio.Event()
        async with anyio.create_task_group() as group:
            since = self.loader_progress.latest  # the last load's steps are not this refresh's
            group.start_soon(partial(self.loader_progress.follow, report, done, since=since))
            try:
                result = await self.catalogue.call(name, arguments)
            finally:
                done.set()
        return result

    async def _with_heartbeats(
        self, report: RequestProgress, name: str, arguments: Args, records: int | None, *, deadline: bool = True
    ) -> types.CallToolResult:
        """One request: progress says it was sent, then how long the org has been at it (hosts that reset their
        timeout on progress keep waiting; the value is seconds waited, with no total)."""
        if not report.enabled:
            return await self.catalogue.call(name, arguments, deadline=deadline)

        async def beat() -> None:
            what = f"{records} record(s) sent to the org in one request" if records else f"{name} sent to the org"
            await report(0, None, what)
            started = anyio.current_time()
            while True:
                await anyio.sleep(self.progress_interval)
                waited = anyio.current_time() - started
                await report(round(waited, 1), None, f"still waiting for the org: {waited:.0f} s")

        async with anyio.create_task_group() as group:
            group.start_soon(beat)
            result = await self.catalogue.call(name, arguments, deadline=deadline)
            group.cancel_scope.cancel()
        return result

    def _flow_of(self, name: str, args: Args) -> str | None:
        if name in (INVOKE_FLOW, DESCRIBE_FLOW):
            return str(args.get("flowApiName") or "") or None
        if name == CREATE_INTERVIEW:
            view = args.get("FlowDefinitionView")
            return str(view.get("ApiName") or "") or None if isinstance(view, dict) else None
        return self.flows.flow_of_tool.get(name) if self.flows is not None else None

    def _tool_for(self, name: str, flow: str | None) -> types.Tool | None:
        """The annotations that decide: a flow's own tool for invoke_flow and create_flow_interview of it."""
        if name in (INVOKE_FLOW, CREATE_INTERVIEW):
            tool_name = self.flows.tool_of_flow.get(flow or "") if self.flows is not None else None
            registered = self.catalogue.get(tool_name) if tool_name else None
            return registered.tool if registered is not None else None
        registered = self.catalogue.get(name)
        return registered.tool if registered is not None else None


def _unknown_flow_tool(name: str) -> types.Tool:
    """A flow without a tool of its own (not selected, or above the tool limit): nothing says it only reads."""
    return types.Tool(name=name, input_schema={"type": "object"})


def flow_link(api_name: str) -> types.ResourceLink:
    """Where the flow's describe and metadata summary can be read again, without calling the tool."""
    return types.ResourceLink(type="resource_link", uri=flow_uri(api_name), name=api_name, mime_type="application/json")
