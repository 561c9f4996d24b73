"""Which version of each flow runs: what FlowDefinitionView says, read once per refresh for every flow at once.

FlowDefinitionView.IsActive means "the latest version is the active one", so flows with an active version are found
by ActiveVersionId != null (a flow with a newer draft has IsActive = false). Which of the two versions an invoke runs
is documented two ways (REST API guide: a flow admin runs the latest, other users the active one; Salesforce Help:
the active one), so both are kept and shown when they differ. Sources: docs/salesforce-behaviour.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .client import SalesforceClient

VERSION_QUERY = (
    "SELECT ApiName, NamespacePrefix, ActiveVersionId, LatestVersionId, LastModifiedDate "
    "FROM FlowDefinitionView WHERE ActiveVersionId != null"
)
NEWER_VERSION_NOTE = (
    "This flow has a newer version than its active one: Salesforce documents that a user with Manage Flow runs the "
    "latest version over REST and other users the active one."
)


def qualified_name(namespace: str | None, api_name: str) -> str:
    """`ns__Name`, the name the flow's action has; FlowDefinitionView keeps the namespace in its own field (an
    ApiName that already carries it is taken as it is, so both readings of the view give the same name)."""
    if namespace and not api_name.startswith(f"{namespace}__"):
        return f"{namespace}__{api_name}"
    return api_name


@dataclass(frozen=True)
class FlowVersions:
    """One flow's active version (what a flow user runs), latest version (what a flow admin runs), last change."""

    active_id: str | None
    latest_id: str | None
    modified: str

    @property
    def key(self) -> str:
        """Changes whenever the describe of either version could: a new active version, a new latest, an edit."""
        return f"{self.active_id or ''}|{self.latest_id or ''}|{self.modified}"

    @property
    def newer_than_active(self) -> bool:
        """The latest version is not the active one (a newer draft, or a version that is not activated)."""
        return bool(self.active_id and self.latest_id and self.active_id != self.latest_id)

    def status(self) -> dict[str, Any]:
        """What list_invocable_flows and search_flows show of it."""
        shown: dict[str, Any] = {
            "activeVersionId": self.active_id,
            "latestVersionId": self.latest_id,
            "newerVersionThanActive": self.newer_than_active,
        }
        if self.newer_than_active:
            shown["note"] = NEWER_VERSION_NOTE
        return shown


def versions_from_rows(records: Any) -> dict[str, FlowVersions]:
    """Action name (ns__Name) -> the flow's versions, from FlowDefinitionView rows."""
    return {
        qualified_name(r.get("NamespacePrefix"), str(r["ApiName"])): FlowVersions(
            r.get("ActiveVersionId"), r.get("LatestVersionId"), str(r.get("LastModifiedDate") or "")
        )
        for r in records or []
        if isinstance(r, dict) and r.get("ApiName")
    }


async def read_flow_versions(client: SalesforceClient) -> dict[str, FlowVersions]:
    """Every flow with an active version, in one query (raises what the query raises)."""
    result = await client.query(VERSION_QUERY)
    return versions_from_rows(result.get("records"))
