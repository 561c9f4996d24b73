"""`--target-org ALIAS`: tokens from the sf CLI's own login, through a stand-in `sf` on PATH that prints what the
real one prints, and asked again when the org answers 401 (the sf CLI refreshes its logins itself).

The JSON shapes follow salesforcecli/plugin-org: `sf org display --json` (src/commands/org/display.ts; fields of
OrgDisplayReturn in src/shared/orgTypes.ts: username, id, accessToken, instanceUrl, clientId, alias, connectedStatus,
apiVersion) redacts accessToken as "[REDACTED] Use 'sf org auth show-access-token' to view"
(messages/secrets-redacted.md) in current releases and prints it in older ones; `sf org auth show-access-token
--json` (src/commands/org/auth/show-access-token.ts) prints {"accessToken"}; an unknown alias is
{"status": 1, "name": "NamedOrgNotFoundError", "message": "No authorization information found for ..."}
(forcedotcom/sfdx-core src/org/authInfo.ts). Both readings are tested: the server works with either CLI.
"""

from __future__ import annotations

import io
import json
import os
import sys
from contextlib import aclosing
from pathlib import Path

import pytest

from salesforce_flow_mcp.auth.credentials import credentials_from_settings
from salesforce_flow_mcp.auth.doctor import run_doctor
from salesforce_flow_mcp.auth.sf_cli import SfCliCredentials
from salesforce_flow_mcp.auth.token_store import TokenStore
from salesforce_flow_mcp.config import Settings
from salesforce_flow_mcp.salesforce.client import SalesforceClient
from salesforce_flow_mcp.salesforce.errors import SalesforceError

from .helpers import Org, sign_in

ADMIN = "admin@embedded-org.localhost"  # the username the sf CLI shows; the embedded org's seeded admin

pytestmark = [pytest.mark.anyio, pytest.mark.slow]  # each token costs a process

REDACTED = "[REDACTED] Use 'sf org auth show-access-token' to view"

STAND_IN = """
import json, sys
from pathlib import Path
state = json.loads(Path({state!r}).read_text())
args = sys.argv[1:]
with open({calls!r}, "a") as log:
    log.write(" ".join(args) + "\\n")
alias = args[args.index("--target-org") + 1]
org = state["orgs"].get(alias)
if org is None:
    print(json.dumps({{"status": 1, "name": "NamedOrgNotFoundError",
                      "message": f"No authorization information found for {{alias}}.", "exitCode": 1,
                      "context": "OrgDisplay", "warnings": []}}))
    sys.exit(1)
token = Path(org["token_file"]).read_text().strip()
if args[:2] == ["org", "display"]:
    result = {{"id": "00D000000000001EAA", "apiVersion": "62.0", "instanceUrl": org["instanceUrl"],
              "username": org["username"], "clientId": "PlatformCLI", "connectedStatus": "Connected", "alias": alias,
              "accessToken": {redacted!r} if state["redact"] else token}}
elif args[:3] == ["org", "auth", "show-access-token"]:
    result = {{"accessToken": token}}
else:
    sys.exit(2)
print(json.dumps({{"status": 0, "result": result, "warnings": []}}))
"""


class StandIn:
    def __init__(self, folder: Path, org: Org, *, redact: bool) -> None:
        self.redact = redact
        self.token_file = folder / "token"
        self.calls_file = folder / "calls"
        self.calls_file.write_text("")
        state = folder / "state.json"
        orgs = {"my-sandbox": {"instanceUrl": org.url, "username": ADMIN, "token_file": str(self.token_file)}}
        state.write_text(json.dumps({"orgs": orgs, "redact": redact}))
        script = folder / "bin" / "sf"
        script.parent.mkdir()
        body = STAND_IN.format(state=str(state), calls=str(self.calls_file), redacted=REDACTED)
        script.write_text(f"#!{sys.executable}\n{body}")
        script.chmod(0o755)
        self.bin = script.parent

    def give(self, token: str) -> None:
        self.token_file.write_text(token)

    @property
    def calls(self) -> list[str]:
        return self.calls_file.read_text().splitlines()


@pytest.fixture(params=["redacted display", "older CLI"])
def stand_in(request: pytest.FixtureRequest, tmp_path: Path, org: Org, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    made = StandIn(tmp_path, org, redact=request.param == "redacted display")
    monkeypatch.setenv("PATH", f"{made.bin}{os.pathsep}{os.environ.get('PATH', '')}")
    return made


async def test_the_sf_cli_login_is_used_and_asked_again_after_a_401(org: Org, stand_in: StandIn) -> None:
    stand_in.give((await sign_in(org))["access_token"])
    credentials = credentials_from_settings(Settings(target_org="my-sandbox"))
    assert isinstance(credentials, SfCliCredentials) and credentials.mode == "sf CLI org my-sandbox"
    async with aclosing(SalesforceClient(credentials, transport=org.transport)) as client:
        await client.get("/actions/custom/flow")
        asked_first = len(stand_in.calls)
        assert stand_in.calls[0] == "org display --target-org my-sandbox --json"
        assert asked_first == (2 if stand_in.redact else 1), "show-access-token only when display redacts"
        assert credentials.identity == f"sf CLI org my-sandbox: user {ADMIN}, org 00D000000000001EAA at {org.url}"

        org.state.sessions.expire_all_access_tokens()
        stand_in.give((await sign_in(org))["access_token"])  # what the sf CLI's own refresh leaves behind
        await client.get("/actions/custom/flow")
        assert len(stand_in.calls) == 2 * asked_first, "asked the sf CLI again after the 401"


async def test_a_token_the_sf_cli_cannot_renew_says_to_log_in_again(org: Org, stand_in: StandIn) -> None:
    stand_in.give((await sign_in(org))["access_token"])
    credentials = credentials_from_settings(Settings(target_org="my-sandbox"))
    async with aclosing(SalesforceClient(credentials, transport=org.transport)) as client:
        await client.get("/actions/custom/flow")
        org.state.sessions.expire_all_access_tokens()  # and the sf CLI keeps printing the dead token
        with pytest.raises(SalesforceError) as caught:
            await client.get("/actions/custom/flow")
    assert "sf org login web --alias my-sandbox" in str(caught.value)


async def test_an_unknown_alias_is_the_sf_cli_error_and_what_to_do(org: Org, stand_in: StandIn) -> None:
    credentials = credentials_from_settings(Settings(target_org="nope"))
    async with aclosing(SalesforceClient(credentials, transport=org.transport)) as client:
        with pytest.raises(SalesforceError) as caught:
            await client.get("/actions/custom/flow")
    message = str(caught.value)
    assert "NamedOrgNotFoundError: No authorization information found for nope." in message
    assert "sf org list" in message and "sf org login web --alias nope" in message


async def test_without_the_sf_cli_it_says_how_to_get_it(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(Exception, match="needs the sf CLI, but `sf` is not on PATH"):
        await credentials_from_settings(Settings(target_org="my-sandbox")).access_token()


async def test_doctor_shows_which_org_and_user(org: Org, stand_in: StandIn, store: TokenStore) -> None:
    stand_in.give((await sign_in(org))["access_token"])
    out = io.StringIO()
    code = await run_doctor(Settings(target_org="my-sandbox"), out=out, http_transport=org.transport, store=store)
    report = out.getvalue()
    assert "mode: sf CLI org my-sandbox" in report
    assert f"sf CLI org my-sandbox: user {ADMIN}, org 00D000000000001EAA" in report
    assert code == 0, report
