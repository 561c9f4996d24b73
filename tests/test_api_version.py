"""The REST API version follows the org: the newest it lists at GET /services/data/ (never below 59.0), or the one
pinned with --api-version / SALESFORCE_API_VERSION.

REST API Developer Guide, Versions
(https://developer.salesforce.com/docs/platform/api-rest/guide/dome-versions.html): `GET
/services/data/` lists `[{"label", "url", "version"}]`, oldest first. Fields arrive with later versions
(FlowInterview.Error from v62.0, the VersionPaused interview status from v60.0: Object Reference, FlowInterview,
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_flowinterview.htm).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from salesforce_flow_mcp.config import EmbeddedOrg, Settings, SettingsError, load_settings
from salesforce_flow_mcp.connect import connect
from salesforce_flow_mcp.salesforce.api_versions import choose_api_version
from tests.recorded_org import RecordedOrg

pytestmark = pytest.mark.anyio

WINTER_27 = [
    {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"},
    {"label": "Summer '26", "url": "/services/data/v67.0", "version": "67.0"},
    {"label": "Winter '27", "url": "/services/data/v68.0", "version": "68.0"},
]


async def test_unpinned_the_server_speaks_the_newest_version_the_embedded_org_serves() -> None:
    async with connect(Settings(), EmbeddedOrg()) as connection:
        client = connection.client
        assert client.api_version == "68.0"
        listed = await client.get("/actions/custom/flow")
        assert all(a["url"].startswith("/services/data/v68.0/") for a in listed["actions"])


async def test_a_pinned_version_is_used_as_it_is() -> None:
    async with connect(Settings(api_version="v62.0"), EmbeddedOrg()) as connection:
        assert connection.client.api_version == "62.0"


@pytest.mark.parametrize("pinned", ["58.0", "31.0", "sixty"])
def test_a_pinned_version_below_59_or_malformed_is_refused_with_the_fix(pinned: str) -> None:
    with pytest.raises(SettingsError, match=r"--api-version.*59\.0 or later"):
        load_settings({"api_version": pinned})


async def test_the_choice_is_cached_with_the_catalogue_for_a_day(tmp_path: Path) -> None:
    org = RecordedOrg()
    org.answer("GET", "/services/data/", 200, WINTER_27)
    client = org.client(api_version="59.0")
    try:
        assert await choose_api_version(client, tmp_path) == "68.0"
        assert await choose_api_version(client, tmp_path) == "68.0"
        assert len(org.requests_to("GET", "/services/data/")) == 1, "the second start reads the cache"
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, [{"label": "Winter '23", "url": "/services/data/v56.0", "version": "56.0"}]),  # older than we speak
        (200, {"unexpected": True}),
        (500, [{"message": "An unexpected error occurred.", "errorCode": "UNKNOWN_EXCEPTION"}]),
    ],
)
async def test_never_below_59_whatever_the_org_answers(status: int, body: object) -> None:
    org = RecordedOrg()
    org.answer("GET", "/services/data/", status, body)
    client = org.client(api_version="59.0")
    try:
        assert await choose_api_version(client, None) == "59.0"
    finally:
        await client.aclose()
