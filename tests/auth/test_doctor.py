"""`doctor` against the embedded org: passes when all is well, names what to fix otherwise, never shows a secret."""

from __future__ import annotations

import io

import pytest

from salesforce_flow_mcp.auth.doctor import run_doctor
from salesforce_flow_mcp.auth.token_store import TokenStore
from salesforce_flow_mcp.config import Settings

from .helpers import Org, assert_no_secrets, sign_in, stored_sign_in, token_settings

pytestmark = pytest.mark.anyio


async def doctor(settings: Settings, org: Org, store: TokenStore) -> tuple[int, str]:
    out = io.StringIO()
    code = await run_doctor(settings, out=out, http_transport=org.transport, store=store)
    return code, out.getvalue()


async def test_doctor_passes_with_a_stored_login_and_shows_nothing_secret(
    org: Org, store: TokenStore, captured_logs: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    login = await stored_sign_in(org, store)
    code, output = await doctor(Settings(), org, store)
    assert code == 0, output
    assert "mode: stored login (profile default)" in output
    assert f"instance URL {org.url}" in output
    # No version pinned: the newest the org lists at GET /services/data/ (REST API Developer Guide, Versions:
    # https://developer.salesforce.com/docs/platform/api-rest/guide/dome-versions.html).
    assert "API version 68.0: the newest the org offers" in output
    assert "token accepted (GET /services/data/v68.0/limits -> HTTP 200)" in output
    assert "flows have an active version" in output
    assert "API requests left today:" in output
    assert "default (default)" in output and "No problems found." in output
    captured = capsys.readouterr()
    assert_no_secrets(
        [output, captured.out, captured.err, captured_logs.text], [login.access_token, login.refresh_token]
    )


async def test_doctor_renews_an_expired_token_and_masks_environment_secrets(org: Org, store: TokenStore) -> None:
    token = await sign_in(org)
    settings = token_settings(org, token)
    org.state.sessions.expire_all_access_tokens()
    code, output = await doctor(settings, org, store)
    assert code == 0, output
    assert "the token had expired and was renewed" in output
    assert f"SALESFORCE_ACCESS_TOKEN: {token['access_token'][:4]}…{token['access_token'][-2:]}" in output
    assert "SALESFORCE_REFRESH_TOKEN: 5Aep…" in output
    assert_no_secrets([output], [token["access_token"], token["refresh_token"]])


async def test_doctor_reports_a_rejected_token(org: Org, store: TokenStore) -> None:
    dead = "00D5g000004SFMC!this-token-was-never-issued-by-the-org"
    code, output = await doctor(Settings(instance_url=org.url, access_token=dead), org, store)
    assert code == 1
    assert "the org rejected the token and it could not be renewed" in output and "login" in output
    assert dead not in output


async def test_doctor_with_nothing_configured_says_what_to_do(org: Org, store: TokenStore) -> None:
    code, output = await doctor(Settings(), org, store)
    assert code == 1
    assert "no stored logins" in output
    assert "`salesforce-flow-mcp login`" in output and "`--demo`" in output


async def test_doctor_flags_unsafe_urls_loose_permissions_and_a_wrong_api_version(org: Org, store: TokenStore) -> None:
    await stored_sign_in(org, store)
    store.path_for("default").chmod(0o644)
    settings = Settings(login_url="http://login.example.com", api_version="99.0")
    code, output = await doctor(settings, org, store)
    assert code == 1
    assert "SALESFORCE_LOGIN_URL must use https" in output
    assert "is readable by other users. Fix: chmod 600" in output
    assert "API version 99.0 is not offered" in output and "SALESFORCE_API_VERSION=68.0" in output


async def test_doctor_names_the_flows_whose_latest_version_is_not_the_active_one(org: Org, store: TokenStore) -> None:
    """FlowDefinitionView: ActiveVersionId != LatestVersionId when a newer version than the active one exists
    (https://developer.salesforce.com/docs/atlas.en-us.232.0.object_reference.meta/api/sforce_api_objects_flowdefinitionview.htm)."""
    from salesforce_flow_mcp.localorg.flows.parse.loader import parse_flow
    from tests.test_flow_tools import tiny_flow

    await stored_sign_in(org, store)
    org.state.add_flow(parse_flow(tiny_flow("Drafted", "Drafted").encode(), "Drafted"), activate=True)
    org.state.add_flow(parse_flow(tiny_flow("Drafted", "Drafted v2").encode(), "Drafted"), activate=False)
    code, output = await doctor(Settings(api_version="62.0"), org, store)
    assert code == 0, output
    assert "API version 62.0 is available" in output
    assert "1 of them have a newer version than the active one: Drafted." in output, output
