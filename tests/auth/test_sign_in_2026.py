"""Sign-in in orgs of 2026: your own External Client App (`login --client-id`), the scopes login asks for, what to do
when Salesforce blocks an uninstalled app, the JWT audiences the sf CLI tries, and `login --no-browser` with the
redirected address pasted back (a browser on another machine).

Sources: since September 2025 Salesforce blocks uninstalled connected apps for users without "Approve Uninstalled
Connected Apps"; they see OAUTH_APPROVAL_ERROR_GENERIC or invalid_client "app must be installed into org"
(https://help.salesforce.com/s/articleView?id=005132365, forcedotcom/cli#3368); since Spring '26 new connected apps
cannot be created, External Client Apps replace them (https://help.salesforce.com/s/articleView?id=005228017). The
audience pairs are forcedotcom/sfdx-core src/util/sfdcUrl.ts getLoginAudienceCombos, tried by authInfo.ts authJwt
when the org answers "audience is invalid".
"""

from __future__ import annotations

import io
import json
from contextlib import aclosing
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from salesforce_flow_mcp.auth.errors import AuthError
from salesforce_flow_mcp.auth.grant_modes import JWTBearerCredentials, login_audience_combos
from salesforce_flow_mcp.auth.login import run_login
from salesforce_flow_mcp.auth.oauth_client import OAuthClient
from salesforce_flow_mcp.auth.token_store import TokenStore
from salesforce_flow_mcp.cli import build_parser
from salesforce_flow_mcp.config import Settings, load_settings
from salesforce_flow_mcp.localorg.oauth.connected_apps import ConnectedApp

from .helpers import CLI_CALLBACK, Org, click_through

pytestmark = pytest.mark.anyio

PROD, SANDBOX = "https://login.salesforce.com", "https://test.salesforce.com"


def test_login_takes_the_client_id_of_your_own_app() -> None:
    args = build_parser().parse_args(["login", "--client-id", "3MVG9ExternalClientApp"])
    assert load_settings(vars(args)).client_id == "3MVG9ExternalClientApp"


async def _pasting_login(org: Org, store: TokenStore, client_id: str | None = None) -> tuple[int, str, str]:
    """`login --no-browser` whose user opens the URL elsewhere and pastes the address the browser ended on."""
    out = io.StringIO()
    seen: dict[str, str] = {}

    async def paste() -> str | None:
        assert "Open this URL in a browser" in out.getvalue(), "login printed the URL before it asks for the paste"
        url = out.getvalue().split("\n\n  ", 1)[1].split("\n", 1)[0]
        seen["url"] = url
        return await click_through(org, url)  # the Location the browser could not load

    settings = Settings(login_url=org.url, client_id=client_id)
    code = await run_login(
        settings, port=0, no_browser=True, timeout=30, out=out, http_transport=org.transport, store=store, paste=paste
    )
    return code, out.getvalue(), seen.get("url", "")


async def test_no_browser_takes_the_redirected_address_pasted_back(org: Org, store: TokenStore) -> None:
    code, output, url = await _pasting_login(org, store)
    assert code == 0, output
    assert "paste it here" in output
    query = parse_qs(urlsplit(url).query)
    assert query["scope"] == ["api refresh_token"], "the scopes the README has the app allow"
    login = store.load()
    assert login is not None and login.refresh_token


async def test_your_own_external_client_app_signs_in(org: Org, store: TokenStore) -> None:
    org.apps.register(ConnectedApp("3MVG9OwnApp", callback_urls=(CLI_CALLBACK,)))
    code, output, _ = await _pasting_login(org, store, client_id="3MVG9OwnApp")
    assert code == 0, output
    assert "sf CLI's app" not in output, "no fallback warning with your own app"
    login = store.load()
    assert login is not None and login.client_id == "3MVG9OwnApp"


async def test_the_default_app_says_what_to_do_when_the_org_blocks_it(org: Org, store: TokenStore) -> None:
    code, output, _ = await _pasting_login(org, store)
    assert code == 0
    assert "OAUTH_APPROVAL_ERROR_GENERIC" in output and "--client-id" in output and "External Client App" in output


async def test_a_blocked_app_in_the_redirect_gets_the_hint(org: Org, store: TokenStore) -> None:
    out = io.StringIO()

    async def paste() -> str | None:
        url = out.getvalue().split("\n\n  ", 1)[1].split("\n", 1)[0]
        state = parse_qs(urlsplit(url).query)["state"][0]
        redirect = parse_qs(urlsplit(url).query)["redirect_uri"][0]
        return f"{redirect}?error=OAUTH_APPROVAL_ERROR_GENERIC&error_description=An+unexpected+error&state={state}"

    code = await run_login(
        Settings(login_url=org.url), port=0, no_browser=True, timeout=30, out=out, store=store, paste=paste
    )
    assert code == 1
    text = out.getvalue()
    assert "The org refused the sign-in: OAUTH_APPROVAL_ERROR_GENERIC" in text
    assert "Fix: the org blocks this app because it is not installed in the org" in text
    assert store.load() is None


async def test_invalid_client_app_must_be_installed_says_what_to_do() -> None:
    def token_endpoint(request: httpx2.Request) -> httpx2.Response:
        body = {"error": "invalid_client", "error_description": "app must be installed into org"}
        return httpx2.Response(400, json=body)

    async with aclosing(OAuthClient(PROD, "PlatformCLI", transport=httpx2.MockTransport(token_endpoint))) as oauth:
        with pytest.raises(AuthError) as caught:
            await oauth.refresh("5Aep-refresh")
    message = str(caught.value)
    assert "invalid_client (app must be installed into org)" in message
    assert "not installed in the org" in message and "login --client-id" in message
    assert "Approve Uninstalled Connected Apps" in message


def test_the_audience_pairs_are_the_sf_clis() -> None:
    sandbox = "https://acme--dev.sandbox.my.salesforce.com"
    assert login_audience_combos(SANDBOX, sandbox) == [
        (sandbox, sandbox),
        (SANDBOX, SANDBOX),
        (PROD, PROD),
        (sandbox, SANDBOX),
        (sandbox, PROD),
    ]
    assert login_audience_combos(PROD, PROD) == [(PROD, PROD), (SANDBOX, SANDBOX)]
    local = "http://127.0.0.1:8642"
    combos = login_audience_combos(local, local)
    assert combos[0] == (local, local) and all(login == local for login, _ in combos), "never sent to Salesforce"


async def test_jwt_bearer_tries_the_next_pair_when_the_audience_is_invalid(tmp_path: Path) -> None:
    """A sandbox on a My Domain that takes only the test.salesforce.com audience at its own token endpoint."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    sandbox = "https://acme--dev.sandbox.my.salesforce.com"
    asked: list[tuple[str, str]] = []

    def token_endpoint(request: httpx2.Request) -> httpx2.Response:
        assertion = parse_qs(request.content.decode())["assertion"][0]
        payload = assertion.split(".")[1]
        claims = json.loads(__import__("base64").urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        host = f"https://{request.url.host}"
        asked.append((host, claims["aud"]))
        if host == sandbox and claims["aud"] == SANDBOX:
            return httpx2.Response(200, json={"access_token": "00Dx!ok", "instance_url": sandbox, "id": "x"})
        return httpx2.Response(400, json={"error": "invalid_grant", "error_description": "audience is invalid"})

    transport = httpx2.MockTransport(token_endpoint)
    oauth = OAuthClient(sandbox, "3MVG9Jwt", transport=transport)
    credentials = JWTBearerCredentials(oauth, username="u@acme.dev", private_key_pem=pem, http_transport=transport)
    async with aclosing(credentials):
        assert await credentials.access_token() == "00Dx!ok"
    assert asked == [(sandbox, sandbox), (SANDBOX, SANDBOX), (PROD, PROD), (sandbox, SANDBOX)]
