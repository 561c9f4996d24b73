"""GET and DELETE /sobjects/FlowInterview/{id}: paused interviews, in the data API's record shape plus the
seed's FlowInterview fields (HasFinished, GuidedFlowName, outputs)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..errors import json_response, not_found
from ..soql.objects import FLOW_INTERVIEW, interview_row, record_shape
from .common import api_version, no_content, org_state, record_id, resource


async def get_interview(request: Request) -> Response:
    state = org_state(request)
    interview = await state.call(state.interview, record_id(request.path_params["id"], "0Fo"))
    if interview is None:
        raise not_found()
    record = record_shape(FLOW_INTERVIEW, interview_row(interview), api_version(request))
    record.update(
        HasFinished=False,
        GuidedFlowName=interview.api_name,
        outputs=[{"name": name, "value": value} for name, value in interview.outputs.items()],
    )
    return json_response(record)


async def delete_interview(request: Request) -> Response:
    state = org_state(request)
    if not await state.call(state.delete_interview, record_id(request.path_params["id"], "0Fo")):
        raise not_found()
    return no_content()


def routes() -> list[BaseRoute]:
    return [resource("/sobjects/FlowInterview/{id}", GET=get_interview, DELETE=delete_interview)]
