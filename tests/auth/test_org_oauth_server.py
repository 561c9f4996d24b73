"""The embedded org's /services/oauth2/* endpoints, spoken to over HTTP as a browser and an OAuth client would."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from salesforce_flow_mcp.localorg.oauth.connected_apps import ConnectedApp

from .helpers import CLI_CALLBACK, FLOWS_PATH, Org, authorized_get, bearer, click_through, pkce_pair, sign_in

pytestmark = pytest.mark.anyio
TOKEN = "/services/oauth2/token"


def authorize_query(**overrides: str | None) -> str:
    _, challenge = pkce_pair()
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": "PlatformCLI",
        "redirect_uri": CLI_CALLBACK,
        "state": "xyz",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return "/services/oauth2/authorize?" + urlencode({k: v for k, v in params.items() if v is not None})


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def test_approval_page_offers_allow_and_deny(org: Org) -> None:
    async with org.client() as http:
        page = await http.get(authorize_query())
    assert page.status_code == 200
    assert 'method="post"' in page.text and ">Allow<" in page.text and ">Deny<" in page.text
    assert "Salesforce CLI" in page.text and "admin@embedded-org.localhost" in page.text
    assert page.headers["x-frame-options"] == "DENY"


async def test_allow_redirects_with_code_and_state_and_the_token_response_has_salesforce_fields(org: Org) -> None:
    token = await sign_in(org)
    assert token["token_type"] == "Bearer"
    assert token["instance_url"] == org.url
    assert token["id"].startswith(f"{org.url}/id/00D")
    assert token["issued_at"].isdigit() and token["signature"] and "api" in token["scope"].split()
    assert token["access_token"].startswith("00D") and token["refresh_token"]
    assert (await authorized_get(org, token["access_token"])).status_code == 200


async def test_deny_redirects_with_access_denied_and_the_state(org: Org) -> None:
    location = await click_through(org, org.url + authorize_query(), button="Deny")
    assert location.startswith(CLI_CALLBACK + "?")
    assert query_of(location) == {
        "error": "access_denied",
        "error_description": "end-user denied authorization",
        "state": "xyz",
    }


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"client_id": "NoSuchApp"}, "invalid_client_id"),
        ({"redirect_uri": "https://attacker.example/cb"}, "redirect_uri_mismatch"),
        ({"redirect_uri": "http://localhost:1717/Elsewhere"}, "redirect_uri_mismatch"),
    ],
)
async def test_bad_client_or_redirect_uri_gets_an_error_page_not_a_redirect(
    org: Org, overrides: dict[str, str], error: str
) -> None:
    async with org.client() as http:
        page = await http.get(authorize_query(**overrides))
    assert page.status_code == 400 and "location" not in page.headers
    assert f"error={error}" in page.text


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge": None}, "invalid_request"),  # PlatformCLI is public: PKCE is required
        ({"code_challenge_method": "plain"}, "invalid_request"),
    ],
)
async def test_bad_authorize_parameters_redirect_with_an_error(org: Org, overrides: dict[str, str], error: str) -> None:
    async with org.client() as http:
        answer = await http.get(authorize_query(**overrides))
    assert answer.status_code == 302
    assert query_of(answer.headers["location"])["error"] == error
    assert query_of(answer.headers["location"])["state"] == "xyz"


async def test_loopback_callbacks_match_on_any_port(org: Org) -> None:
    async with org.client() as http:
        page = await http.get(authorize_query(redirect_uri="http://localhost:50123/OauthRedirect"))
    assert page.status_code == 200


async def _code(org: Org, challenge: str, redirect_uri: str = CLI_CALLBACK) -> str:
    query = authorize_query(code_challenge=challenge, redirect_uri=redirect_uri)
    return query_of(await click_through(org, org.url + query))["code"]


async def test_pkce_mismatch_is_invalid_grant_and_a_code_works_once(org: Org) -> None:
    verifier, challenge = pkce_pair()
    code = await _code(org, challenge)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CLI_CALLBACK, "client_id": "PlatformCLI"}
    async with org.client() as http:
        wrong = await http.post(TOKEN, data={**form, "code_verifier": verifier + "x"})
        again = await http.post(TOKEN, data={**form, "code_verifier": verifier})
        code2 = await _code(org, challenge)
        missing = await http.post(TOKEN, data={**form, "code": code2})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert again.status_code == 400 and again.json() == {
        "error": "invalid_grant",
        "error_description": "invalid authorization code",
    }
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_grant"


async def test_code_exchange_needs_the_same_redirect_uri(org: Org) -> None:
    verifier, challenge = pkce_pair()
    code = await _code(org, challenge)
    async with org.client() as http:
        reply = await http.post(
            TOKEN,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://localhost:9999/OauthRedirect",
                "client_id": "PlatformCLI",
                "code_verifier": verifier,
            },
        )
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"


async def test_refresh_without_and_with_rotation(org: Org) -> None:
    token = await sign_in(org)
    refresh = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": "PlatformCLI"}
    async with org.client() as http:
        plain = await http.post(TOKEN, data=refresh)
        assert plain.status_code == 200 and "refresh_token" not in plain.json()
        org.apps.configure("PlatformCLI", rotate_refresh_tokens=True)
        rotated = await http.post(TOKEN, data=refresh)
        new_refresh = rotated.json()["refresh_token"]
        old_again = await http.post(TOKEN, data=refresh)
    assert new_refresh != token["refresh_token"]
    assert old_again.status_code == 400
    assert old_again.json() == {"error": "invalid_grant", "error_description": "expired access/refresh token"}


async def test_revoke_a_refresh_token_kills_its_access_tokens(org: Org) -> None:
    token = await sign_in(org)
    async with org.client() as http:
        first = await http.post("/services/oauth2/revoke", data={"token": token["refresh_token"]})
        second = await http.post("/services/oauth2/revoke", data={"token": token["refresh_token"]})
        unknown = await http.post("/services/oauth2/revoke", data={"token": "nope"})
        rejected = await http.get(FLOWS_PATH, headers=bearer(token["access_token"]))
    assert first.status_code == 200
    assert second.status_code == 400 and second.json()["error"] == "invalid_token"
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_token"
    assert rejected.status_code == 401 and rejected.json()[0]["errorCode"] == "INVALID_SESSION_ID"


async def test_client_credentials_needs_the_right_secret_and_a_run_as_user(org: Org) -> None:
    org.apps.register(ConnectedApp("Integration", client_secret="right-secret-123"))
    form = {"grant_type": "client_credentials", "client_id": "Integration"}
    credentials = ("Integration", "right-secret-123")
    async with org.client() as http:
        no_user = await http.post(TOKEN, data={**form, "client_secret": "right-secret-123"})
        org.apps.configure("Integration", client_credentials_user="admin@embedded-org.localhost")
        wrong = await http.post(TOKEN, data={**form, "client_secret": "wrong"})
        basic = await http.post(TOKEN, data={"grant_type": "client_credentials"}, auth=credentials)
    assert no_user.status_code == 400 and no_user.json()["error_description"] == "no client credentials user enabled"
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_client"
    assert basic.status_code == 200 and "refresh_token" not in basic.json()
    assert (await authorized_get(org, basic.json()["access_token"])).status_code == 200


async def test_unknown_grant_type_and_malformed_requests(org: Org) -> None:
    async with org.client() as http:
        unknown = await http.post(TOKEN, data={"grant_type": "password", "client_id": "PlatformCLI"})
        huge = await http.post(TOKEN, content=b"a=" + b"x" * 70_000)
        bad_basic = await http.post(
            TOKEN, data={"grant_type": "client_credentials"}, headers={"Authorization": "Basic !!"}
        )
        no_client = await http.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": "x"})
    assert unknown.status_code == 400 and unknown.json()["error"] == "unsupported_grant_type"
    assert huge.status_code == 400 and huge.json()["error"] == "invalid_request"
    assert bad_basic.status_code == 400 and bad_basic.json()["error"] == "invalid_client"
    assert no_client.status_code == 400 and no_client.json()["error"] == "invalid_client_id"
