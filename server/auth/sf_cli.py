"""Sign-in through the sf CLI: an org the user logged into with `sf org login web` (`--target-org ALIAS`).

The sf CLI keeps and refreshes its own logins; we only ask it for the org's instance URL and a current access token,
and ask again when the org answers 401 (both commands refresh the token first). What we read, from
salesforcecli/plugin-org:

- `sf org display --target-org ALIAS --json` (src/commands/org/display.ts, OrgDisplayReturn in src/shared/orgTypes.ts)
  prints `{"status": 0, "result": {"username", "id" (the org id), "accessToken", "instanceUrl", "clientId",
  "apiVersion", "connectedStatus", "alias", ...}, "warnings": [...]}`. Since 2025 it redacts the token:
  `accessToken` is "[REDACTED] Use 'sf org auth show-access-token' to view" (messages/secrets-redacted.md) unless
  SF_TEMP_SHOW_SECRETS is set (a workaround that ended on 2026-10-28); older releases print the token itself.
- `sf org auth show-access-token --target-org ALIAS --json` (src/commands/org/auth/show-access-token.ts) prints
  `{"status": 0, "result": {"accessToken"}}`; with --json it asks no confirmation.
- A failure exits non-zero with `{"status": 1, "name": "NamedOrgNotFoundError", "message": "No authorization
  information found for ALIAS.", ...}` (sfdx-core src/org/authInfo.ts).

So: read the display; when its token is redacted or missing, ask show-access-token. Either CLI works.
"""

from __future__ import annotations

import json
import os
import shutil
from typing import Any

import anyio

from .errors import AuthError, safe_url
from .masking import register_secret
from .single_flight import SingleFlight

SF_COMMAND_ENV = "SALESFORCE_SF_COMMAND"  # the sf executable to run (default: `sf` on PATH)
SF_TIMEOUT = 60.0  # seconds; the sf CLI may refresh the token before it answers
_REDACTED = "[REDACTED]"


class SfCliCredentials(SingleFlight):
    """`--target-org ALIAS` / SALESFORCE_TARGET_ORG: tokens from the sf CLI's stored login of that org."""

    def __init__(self, target_org: str, *, sf_command: str | None = None) -> None:
        super().__init__(None)
        self.target_org = target_org
        self.mode = f"sf CLI org {target_org}"
        self._sf_command = sf_command or os.environ.get(SF_COMMAND_ENV) or "sf"
        self.username: str | None = None
        self.org_id: str | None = None

    @property
    def identity(self) -> str | None:
        """Which org and user the sf CLI signed us in as (known after the first token)."""
        if self.username is None:
            return None
        org = f", org {self.org_id}" if self.org_id else ""
        return f"sf CLI org {self.target_org}: user {self.username}{org} at {self._instance_url}"

    async def _first_token(self) -> str:
        return await self._ask()

    async def _renew(self, rejected_token: str) -> str:
        token = await self._ask()
        if token == rejected_token:
            raise AuthError(
                f"The org rejected the access token of sf CLI org {self.target_org!r} and the sf CLI could not renew "
                f"it. Log in again with `sf org login web --alias {self.target_org}`."
            )
        return token

    async def _ask(self) -> str:
        display = await self._run("org", "display")
        if not isinstance(display, dict):
            raise self._unexpected("org display")
        url = display.get("instanceUrl")
        if not isinstance(url, str) or not url:
            raise self._unexpected("org display")
        self._instance_url = safe_url(url, f"instanceUrl of sf CLI org {self.target_org}")
        self.username = _text(display.get("username"))
        self.org_id = _text(display.get("id"))
        token = display.get("accessToken")
        if not isinstance(token, str) or not token or token.startswith(_REDACTED):
            shown = await self._run("org", "auth", "show-access-token")
            token = shown.get("accessToken") if isinstance(shown, dict) else None
            if not isinstance(token, str) or not token or token.startswith(_REDACTED):
                raise self._unexpected("org auth show-access-token")
        register_secret(token)
        return token

    async def _run(self, *command: str) -> Any:
        executable = shutil.which(self._sf_command)
        if executable is None:
            raise AuthError(
                f"--target-org needs the sf CLI, but `{self._sf_command}` is not on PATH. Install it "
                "(https://developer.salesforce.com/tools/salesforcecli), or sign in with `salesforce-flow-mcp login`."
            )
        argv = [executable, *command, "--target-org", self.target_org, "--json"]
        shown = f"sf {' '.join(command)} --target-org {self.target_org} --json"
        try:
            with anyio.fail_after(SF_TIMEOUT):
                done = await anyio.run_process(argv, check=False)
        except TimeoutError:
            raise AuthError(f"`{shown}` did not answer within {SF_TIMEOUT:g} s.") from None
        except OSError as exc:
            raise AuthError(f"Could not run `{shown}`: {exc.strerror or exc}.") from None
        try:
            envelope = json.loads(done.stdout or done.stderr)
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict):
            raise AuthError(f"`{shown}` exited {done.returncode} without its JSON answer; run it yourself to see why.")
        if done.returncode != 0 or envelope.get("status") not in (0, None):
            name = _text(envelope.get("name")) or "error"
            message = _text(envelope.get("message")) or "no message"
            raise AuthError(
                f"`{shown}` failed: {name}: {message} Check the alias with `sf org list`, or log in with "
                f"`sf org login web --alias {self.target_org}`."
            )
        return envelope.get("result")

    def _unexpected(self, command: str) -> AuthError:
        return AuthError(f"`sf {command} --target-org {self.target_org} --json` did not answer as the sf CLI does.")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
