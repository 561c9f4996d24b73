"""Which kind of org the server talks to: production, a sandbox, or the embedded org.

Salesforce says it in one field: `Organization.IsSandbox` ("Indicates whether the current organization is a sandbox
(true) or production (false)", Object Reference, Organization; the sf CLI's @salesforce/core `Org` reads the same
field to tell sandboxes from production). The embedded org (the in-process demo, or `org serve` on a loopback
address) is never production.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import anyio

from salesforce_flow_mcp.salesforce.client import SalesforceClient
from salesforce_flow_mcp.salesforce.errors import SalesforceError

logger = logging.getLogger(__name__)

ORGANIZATION_QUERY = "SELECT IsSandbox, OrganizationType FROM Organization LIMIT 1"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class OrgKind:
    label: str  # how the question names the org, e.g. "production org acme.my.salesforce.com"
    production: bool | None  # None: the org did not say; the production rule then asks (the safe reading)

    @property
    def maybe_production(self) -> bool:
        return self.production is not False


def org_host(client: SalesforceClient) -> str:
    try:
        return urlsplit(client.credentials.instance_url).netloc or client.credentials.instance_url
    except Exception:  # some sign-in modes learn the instance URL only with the first token
        return "the org"


def is_embedded(client: SalesforceClient, demo: bool) -> bool:
    host = urlsplit(client.credentials.instance_url).hostname or ""
    return demo or host in LOOPBACK_HOSTS


class OrgKindProbe:
    """Asks the org once (one API request), only when the answer matters: under --confirm-production."""

    def __init__(self, client: SalesforceClient, *, demo: bool) -> None:
        self.client = client
        self.demo = demo
        self._kind: OrgKind | None = None
        self._lock = anyio.Lock()

    def quick(self) -> OrgKind:
        """The label without asking the org (production unknown unless embedded)."""
        if self._kind is not None:
            return self._kind
        if is_embedded(self.client, self.demo):
            return OrgKind("the embedded org", production=False)
        return OrgKind(f"org {org_host(self.client)}", production=None)

    async def kind(self) -> OrgKind:
        async with self._lock:
            if self._kind is None:
                self._kind = await self._ask()
            return self._kind

    async def _ask(self) -> OrgKind:
        quick = self.quick()
        if quick.production is False:
            return quick
        host = org_host(self.client)
        try:
            result = await self.client.query(ORGANIZATION_QUERY, max_records=1)
        except SalesforceError as exc:
            logger.warning("could not tell whether %s is production (%s): treating it as production", host, exc)
            return OrgKind(f"org {host} (production or not: unknown)", production=None)
        records = result.get("records") or [{}]
        sandbox = records[0].get("IsSandbox") if isinstance(records[0], dict) else None
        if sandbox is True:
            return OrgKind(f"sandbox {host}", production=False)
        if sandbox is False:
            return OrgKind(f"production org {host}", production=True)
        return OrgKind(f"org {host} (production or not: unknown)", production=None)
