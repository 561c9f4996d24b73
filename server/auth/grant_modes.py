"""The sign-in modes that re-run a grant for every token: JWT bearer (with the audiences the sf CLI tries) and
client credentials."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx2

from .errors import AuthError
from .oauth_client import PRODUCTION_LOGIN_URL, SANDBOX_LOGIN_URL, OAuthClient
from .single_flight import SingleFlight


class JWTBearerCredentials(SingleFlight):
    """SALESFORCE_USERNAME + SALESFORCE_JWT_KEY_FILE + SALESFORCE_CLIENT_ID: an RS256 assertion per token.

    When the org answers "audience is invalid", the next (token endpoint, audience) pair of login_audience_combos()
    is tried, as the sf CLI does; a pair that once worked is tried first from then on."""

    mode = "JWT bearer"

    def __init__(
        self,
        oauth: OAuthClient,
        *,
        username: str,
        private_key_pem: bytes,
        instance_url: str | None = None,
        http_transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(instance_url, oauth)
        self._username = username
        self._key = private_key_pem
        login_url = oauth.endpoints.base_url
        self._combos = login_audience_combos(jwt_audience(login_url), login_url)
        self._transport = http_transport

    async def _grant(self) -> str:
        assert self._oauth is not None
        refusals: list[str] = []
        for login, audience in list(self._combos):
            oauth = self._oauth if login == self._oauth.endpoints.base_url else self._oauth_at(login)
            try:
                issued = await oauth.jwt_bearer(username=self._username, private_key_pem=self._key, audience=audience)
            except AuthError as exc:
                if "audience" not in exc.message:
                    raise
                refusals.append(f"{login} with audience {audience}")
                continue
            finally:
                if oauth is not self._oauth:
                    await oauth.aclose()
            self._combos.remove((login, audience))
            self._combos.insert(0, (login, audience))
            return self._adopt(issued)
        raise AuthError(
            "The org refused every JWT audience the sf CLI would try (" + "; ".join(refusals) + "): check "
            "SALESFORCE_LOGIN_URL (login.salesforce.com, test.salesforce.com or your My Domain)."
        )

    def _oauth_at(self, login: str) -> OAuthClient:
        assert self._oauth is not None
        return OAuthClient(login, self._oauth.client_id, transport=self._transport)

    async def _first_token(self) -> str:
        return await self._grant()

    async def _renew(self, rejected_token: str) -> str:
        return await self._grant()


def login_audience_combos(audience_url: str, login_url: str) -> list[tuple[str, str]]:
    """The (login URL, JWT audience) pairs the sf CLI tries, in its order: forcedotcom/sfdx-core
    src/util/sfdcUrl.ts getLoginAudienceCombos (production never with the sandbox audience or the other way round;
    one pair per origin pair). Pairs at login.salesforce.com / test.salesforce.com are tried only when the login URL
    is a Salesforce domain: a JWT meant for another server (the embedded org) is never sent to Salesforce."""
    prod, sandbox = PRODUCTION_LOGIN_URL, SANDBOX_LOGIN_URL
    pairs = [
        (login_url, login_url),
        (sandbox, sandbox),
        (prod, prod),
        (audience_url, audience_url),
        (audience_url, prod),
        (audience_url, sandbox),
        (login_url, audience_url),
        (login_url, prod),
        (login_url, sandbox),
        (prod, audience_url),
        (sandbox, audience_url),
    ]
    salesforce = (urlsplit(login_url).hostname or "").lower().endswith(".salesforce.com")
    seen: dict[tuple[str, str], tuple[str, str]] = {}
    for login, audience in pairs:
        if {login, audience} == {prod, sandbox}:
            continue
        if not salesforce and login != login_url:
            continue
        key = (_origin(login), _origin(audience))
        seen.setdefault(key, (login, audience))
    return list(seen.values())


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class ClientCredentials(SingleFlight):
    """SALESFORCE_CLIENT_ID + SALESFORCE_CLIENT_SECRET against the My Domain token endpoint."""

    mode = "client credentials"

    def __init__(self, oauth: OAuthClient) -> None:
        super().__init__(oauth.endpoints.base_url, oauth)

    async def _grant(self) -> str:
        assert self._oauth is not None
        return self._adopt(await self._oauth.client_credentials())

    async def _first_token(self) -> str:
        return await self._grant()

    async def _renew(self, rejected_token: str) -> str:
        return await self._grant()


def jwt_audience(login_url: str) -> str:
    """The JWT `aud` Salesforce expects: login.salesforce.com for production (My Domain included),
    test.salesforce.com for sandboxes; any other server (the embedded org) gets its own URL."""
    host = (urlsplit(login_url).hostname or "").lower()
    if host == "test.salesforce.com" or host.endswith(".sandbox.my.salesforce.com") or "--" in host:
        return SANDBOX_LOGIN_URL
    if host.endswith(".salesforce.com"):
        return PRODUCTION_LOGIN_URL
    return login_url


def read_key_file(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AuthError(f"Cannot read SALESFORCE_JWT_KEY_FILE {str(path)!r}: {exc.strerror or exc}.") from None
    if len(data) > 64 * 1024:
        raise AuthError(f"SALESFORCE_JWT_KEY_FILE {str(path)!r} is too large to be a PEM key.")
    return data
