"""Records of the org's record store through the data API: POST /sobjects/{type}, GET/PATCH/DELETE
/sobjects/{type}/{id}. The flow objects have their own routes, registered before these."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ...sfid import is_salesforce_id
from ..errors import OrgError, json_response, not_found
from ..store.records import RecordError
from ..store.state import OrgState
from .common import api_version, no_content, org_state, read_json_object, resource

T = TypeVar("T")


def _object(state: OrgState, raw: str) -> str:
    """The canonical name of a known object; custom objects (__c) may be created on first insert."""
    name = state.records.object_name(raw)
    if name is None and not raw.endswith("__c"):
        raise not_found()
    return name or raw


async def _store(state: OrgState, fn: Callable[[], T]) -> T:
    def run() -> T:
        try:
            return fn()
        except RecordError as exc:
            raise OrgError(400, exc.status_code, exc.message, exc.fields) from None

    return await state.call(run)


async def create(request: Request) -> Response:
    state = org_state(request)
    name = _object(state, request.path_params["sobject"])
    fields = await read_json_object(request)
    new_id = await _store(state, lambda: state.records.insert(name, fields))
    return json_response({"id": new_id, "success": True, "errors": []}, status=201)


def _with_attributes(name: str, record: dict[str, Any], version: str) -> dict[str, Any]:
    url = f"/services/data/v{version}/sobjects/{name}/{record.get('Id')}"
    return {"attributes": {"type": name, "url": url}, **record}


async def get(request: Request) -> Response:
    state = org_state(request)
    name = _object(state, request.path_params["sobject"])
    record_id = request.path_params["id"]
    record = await _store(state, lambda: state.records.get(name, record_id)) if is_salesforce_id(record_id) else None
    if record is None:
        raise not_found()
    return json_response(_with_attributes(name, record, api_version(request)))


async def update(request: Request) -> Response:
    state = org_state(request)
    name = _object(state, request.path_params["sobject"])
    record_id = request.path_params["id"]
    fields = await read_json_object(request)
    if not is_salesforce_id(record_id) or await _store(state, lambda: state.records.get(name, record_id)) is None:
        raise not_found()
    await _store(state, lambda: state.records.update(name, record_id, fields))
    return no_content()


async def delete(request: Request) -> Response:
    state = org_state(request)
    name = _object(state, request.path_params["sobject"])
    record_id = request.path_params["id"]
    if not is_salesforce_id(record_id) or await _store(state, lambda: state.records.get(name, record_id)) is None:
        raise not_found()
    await _store(state, lambda: state.records.delete(name, record_id))
    return no_content()


def routes() -> list[BaseRoute]:
    return [
        resource("/sobjects/{sobject}", POST=create),
        resource("/sobjects/{sobject}/{id}", GET=get, PATCH=update, DELETE=delete),
    ]
