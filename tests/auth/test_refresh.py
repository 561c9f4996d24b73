"""Refresh on 401: one refresh for many concurrent callers, rotation saved atomically, and clear failures."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import httpx2
import pytest
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from salesforce_flow_mcp.auth.credentials import (
    AuthError,
    RefreshTokenCredentials,
    StaticCredentials,
    StoredLoginCredentials,
    credentials_from_settings,
)
from salesforce_flow_mcp.auth.token_store import TokenStore
from salesforce_flow_mcp.config import Settings
from salesforce_flow_mcp.localorg.oauth.connected_apps import ConnectedApp

from .helpers import (
    FLOWS_PATH,
    Org,
    assert_no_secrets,
    authorized_get,
    bearer,
    make_org,
    sign_in,
    stored_credentials,
    stored_sign_in,
    token_settings,
)

pytestmark = pytest.mark.anyio


async def test_a_hundred_concurrent_401s_cause_exactly_one_refresh(
    org: Org, store: TokenStore, captured_logs: pytest.LogCaptureFixture
) -> None:
    login = await stored_sign_in(org, store)
    credentials = stored_credentials(org, store)
    assert isinstance(credentials, StoredLoginCredentials)
    old = await credentials.access_token()
    org.state.sessions.expire_all_access_tokens()
    before = org.token_requests
    renewed: list[str] = []

    async with org.client() as http:

        async def caller() -> None:
            # Every caller's request went out with the old token and came back 401, as the REST client sees it.
            rejected = await http.get(FLOWS_PATH, headers=bearer(old))
            assert rejected.status_code == 401 and rejected.json()[0]["errorCode"] == "INVALID_SESSION_ID"
            token = await credentials.refresh(old)
            retried = await http.get(FLOWS_PATH, headers=bearer(token))
            assert retried.status_code == 200
            renewed.append(token)

        async with anyio.create_task_group() as tg:
            for _ in range(100):
                tg.start_soon(caller)
    await credentials.aclose()

    assert org.token_requests - before == 1
    assert len(renewed) == 100 and len(set(renewed)) == 1 and renewed[0] != old
    stored = store.load()
    assert stored is not None and stored.access_token == renewed[0]
    assert stored.refresh_token == login.refresh_token  # no rotation: the refresh token stays
    assert_no_secrets([captured_logs.text], [old, renewed[0], login.refresh_token])


async def test_a_rotated_refresh_token_is_stored(org: Org, store: TokenStore) -> None:
    org.apps.configure("PlatformCLI", rotate_refresh_tokens=True)
    login = await stored_sign_in(org, store)
    credentials = stored_credentials(org, store)
    old = await credentials.access_token()
    org.state.sessions.expire_all_access_tokens()
    new = await credentials.refresh(old)
    await credentials.aclose()

    stored = store.load()
    assert stored is not None and stored.access_token == new
    assert stored.refresh_token and stored.refresh_token != login.refresh_token
    # The org invalidated the old refresh token: only the stored one works now.
    async with org.client() as http:
        form = {"grant_type": "refresh_token", "client_id": "PlatformCLI"}
        assert (
            await http.post("/services/oauth2/token", data={**form, "refresh_token": login.refresh_token})
        ).status_code == 400
        assert (
            await http.post("/services/oauth2/token", data={**form, "refresh_token": stored.refresh_token})
        ).status_code == 200


class SimulatedCrash(Exception):
    """Stands for the process dying after the temp file was written and before it replaced the real file."""


async def test_a_crash_between_refresh_and_store_leaves_the_old_file_readable(org: Org, tmp_path: Path) -> None:
    org.apps.configure("PlatformCLI", rotate_refresh_tokens=True)
    home = tmp_path / "crash-home"
    login = await stored_sign_in(org, TokenStore(home))
    before = (home / "profiles" / "default.json").read_bytes()
    written: list[Path] = []

    def crash(temp_file: Path) -> None:
        written.append(temp_file)
        assert json.loads(temp_file.read_text())["refresh_token"] != login.refresh_token  # the new data is in it
        raise SimulatedCrash

    credentials = StoredLoginCredentials(TokenStore(home, before_replace=crash), login, http_transport=org.transport)
    org.state.sessions.expire_all_access_tokens()
    with pytest.raises(SimulatedCrash):
        await credentials.refresh(login.access_token)
    await credentials.aclose()

    assert written, "the store got as far as writing the temp file"
    assert (home / "profiles" / "default.json").read_bytes() == before
    survivor = TokenStore(home).load()
    assert survivor is not None and survivor.refresh_token == login.refresh_token
    assert not list((home / "profiles").glob("*.tmp")), "the temp file is cleaned up"

    # A hard crash would leave the temp file behind: the store ignores it.
    (home / "profiles" / ".default.json.abc123.tmp").write_text('{"half": ')
    assert TokenStore(home).profiles() == ["default"]
    assert TokenStore(home).load() == survivor


async def test_a_revoked_refresh_token_asks_to_log_in_again_and_keeps_the_file(org: Org, store: TokenStore) -> None:
    login = await stored_sign_in(org, store)
    async with org.client() as http:
        assert (await http.post("/services/oauth2/revoke", data={"token": login.refresh_token})).status_code == 200
    before = store.path_for("default").read_bytes()
    credentials = stored_credentials(org, store)
    with pytest.raises(AuthError) as caught:
        await credentials.refresh(login.access_token)
    await credentials.aclose()
    message = str(caught.value)
    assert "invalid_grant" in message and "Run `salesforce-flow-mcp login` again." in message
    assert_no_secrets([message], [login.access_token, login.refresh_token])
    assert store.path_for("default").read_bytes() == before


async def test_another_process_refreshed_first_so_its_token_is_taken(org: Org, store: TokenStore) -> None:
    login = await stored_sign_in(org, store)
    mine = stored_credentials(org, store)
    theirs = stored_credentials(org, store)
    org.state.sessions.expire_all_access_tokens()
    their_token = await theirs.refresh(login.access_token)
    before = org.token_requests
    assert await mine.refresh(login.access_token) == their_token
    assert org.token_requests == before
    await mine.aclose()
    await theirs.aclose()


async def test_a_wrong_client_secret_is_a_clear_error(org: Org) -> None:
    org.apps.register(
        ConnectedApp(
            "Confidential", client_secret="the-right-secret", callback_urls=("http://localhost:1717/OauthRedirect",)
        )
    )
    token = await sign_in(org, client_id="Confidential", client_secret="the-right-secret")
    settings = Settings(
        refresh_token=token["refresh_token"],
        client_id="Confidential",
        client_secret="a-wrong-secret",
        login_url=org.url,
    )
    credentials = credentials_from_settings(settings, http_transport=org.transport)
    assert isinstance(credentials, RefreshTokenCredentials)
    with pytest.raises(AuthError) as caught:
        await credentials.access_token()
    await credentials.aclose()
    assert "invalid_client" in str(caught.value) and "SALESFORCE_CLIENT_SECRET" in str(caught.value)
    assert "a-wrong-secret" not in str(caught.value)


class FailingTokenEndpoint:
    """The token endpoint answering an HTML 500 page, as a broken proxy or an outage would."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/services/oauth2/token":
            await HTMLResponse("<html><body>Internal Server Error</body></html>", status_code=500)(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def test_a_token_endpoint_answering_500_is_a_clear_error(org: Org, store: TokenStore) -> None:
    login = await stored_sign_in(org, store)
    before = store.path_for("default").read_bytes()
    failing = httpx2.ASGITransport(app=FailingTokenEndpoint(org.app))
    credentials = credentials_from_settings(Settings(), http_transport=failing, store=store)
    org.state.sessions.expire_all_access_tokens()
    with pytest.raises(AuthError) as caught:
        await credentials.refresh(login.access_token)
    await credentials.aclose()
    assert "answered HTTP 500; try again later" in str(caught.value)
    assert store.path_for("default").read_bytes() == before


async def test_an_http_instance_url_on_a_public_host_gets_no_token(store: TokenStore) -> None:
    rogue = make_org(base_url="http://org.example.com")
    try:
        token = await sign_in(rogue)
        settings = Settings(refresh_token=token["refresh_token"], client_id="PlatformCLI", login_url=rogue.url)
        credentials = credentials_from_settings(settings, http_transport=rogue.transport)
        with pytest.raises(AuthError) as caught:
            await credentials.access_token()
        await credentials.aclose()
    finally:
        rogue.state.close()
    assert "must use https" in str(caught.value) and "refusing to send the token there" in str(caught.value)
    assert store.profiles() == []


async def test_a_static_token_with_a_refresh_token_renews_itself(org: Org) -> None:
    token = await sign_in(org)
    settings = token_settings(org, token)
    credentials = credentials_from_settings(settings, http_transport=org.transport)
    assert isinstance(credentials, StaticCredentials) and credentials.mode == "static token"
    org.state.sessions.expire_all_access_tokens()
    new = await credentials.refresh(token["access_token"])
    assert new != token["access_token"] and (await authorized_get(org, new)).status_code == 200
    await credentials.aclose()


async def test_a_lone_static_token_cannot_renew(org: Org) -> None:
    credentials = StaticCredentials(org.url, "00D5g000004SFMC!not.a.real.token.value")
    with pytest.raises(AuthError) as caught:
        await credentials.refresh("00D5g000004SFMC!not.a.real.token.value")
    assert "SALESFORCE_ACCESS_TOKEN" in str(caught.value) and "login" in str(caught.value)
    assert "not.a.real.token" not in str(caught.value)


async def test_a_rotated_env_refresh_token_is_kept_and_survives_a_restart(org: Org, store: TokenStore) -> None:
    """With rotation the org invalidates the refresh token SALESFORCE_REFRESH_TOKEN holds at the first refresh
    (help.salesforce.com remoteaccess_oauth_refresh_token_flow.htm): the rotated one is kept in the token store under
    a profile of its own, so the next start is still signed in."""
    org.apps.configure("PlatformCLI", rotate_refresh_tokens=True)
    token = await sign_in(org)
    settings = Settings(refresh_token=token["refresh_token"], client_id="PlatformCLI", login_url=org.url)
    first = credentials_from_settings(settings, http_transport=org.transport, store=store)
    assert (await authorized_get(org, await first.access_token())).status_code == 200
    await first.aclose()
    [kept_name] = store.profiles()
    assert kept_name.startswith("env-") and store.default_profile() is None, "never the default login"
    kept = store.load(kept_name)
    assert kept is not None and kept.refresh_token not in (None, token["refresh_token"])

    restarted = credentials_from_settings(settings, http_transport=org.transport, store=store)
    before = org.token_requests
    access = await restarted.access_token()
    assert org.token_requests == before, "the kept access token is used as it is"
    org.state.sessions.expire_all_access_tokens()
    renewed = await restarted.refresh(access)
    assert (await authorized_get(org, renewed)).status_code == 200, "renewed with the kept refresh token"
    await restarted.aclose()
    again = store.load(kept_name)
    assert again is not None and again.refresh_token != kept.refresh_token, "each rotation is kept"
