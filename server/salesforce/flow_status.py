"""Whether the org has a flow at all, and whether it has an active version: asked only when a call missed.

FlowDefinitionView (data API, v46+) has one row per flow; `ActiveVersionId` is null when no version is active
(`IsActive` says only whether the latest version is the active one). Field reference:
https://developer.salesforce.com/docs/atlas.en-us.232.0.object_reference.meta/api/sforce_api_objects_flowdefinitionview.htm
"""

from __future__ import annotations

import logging
from typing import Literal

from salesforce_flow_mcp.sfid import is_api_name

from .client import SalesforceClient
from .errors import SalesforceError

logger = logging.getLogger(__name__)

FlowStatus = Literal["active", "inactive", "missing"]


async def flow_status(client: SalesforceClient, api_name: str) -> FlowStatus | None:
    """The flow is "active", "inactive" (it exists, no version is active), "missing", or None (the org cannot say).

    One query; `api_name` must be a flow API name (letters, digits, underscores), so it is safe inside the literal.
    """
    if not is_api_name(api_name):
        return "missing"
    # Whether FlowDefinitionView.ApiName carries the namespace is not documented: ask for both spellings.
    condition = f"ApiName = '{api_name}'"
    if "__" in api_name:
        namespace, _, name = api_name.partition("__")
        condition += f" OR (ApiName = '{name}' AND NamespacePrefix = '{namespace}')"
    try:
        result = await client.query(f"SELECT ActiveVersionId FROM FlowDefinitionView WHERE {condition}", max_records=1)
    except SalesforceError as exc:
        logger.info("could not look up flow %s in FlowDefinitionView: %s", api_name, exc)
        return None
    records = result.get("records") or []
    if not records:
        return "missing"
    return "active" if records[0].get("ActiveVersionId") else "inactive"
