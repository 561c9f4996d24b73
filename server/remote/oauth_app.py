"""`--auth oauth`: the pieces of the MCP authorization model wired together over one store.

- resource server: protected-resource metadata (RFC 9728) at /.well-known/oauth-protected-resource/mcp, naming us
  as the authorization server; every bearer token checked for this resource (RFC 8707 audience);
- authorization server: metadata (RFC 8414) at /.well-known/oauth-authorization-server, client ID metadata
  documents and dynamic client registration (RFC 7591), /authorize, /token, /revoke (RFC 7009), each user's
  sign-in delegated to Salesforce;
- every tool call made with the calling user's Salesforce token (identity.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions

from ..auth.credentials import Credentials
from ..config import Settings
from .binding import HttpOptions
from .client_documents import ClientDocuments
from .grants import SalesforceGrants, UpstreamApp
from .identity import UserCredentials
from .machine import MachineClient, load_machine_clients, machine_credentials
from .provider import SCOPE, FlowAuthProvider
from .sealing import Sealer
from .signin import CALLBACK_PATH, SalesforceSignIn
from .store import ENV_STORE, SealedRecords, Store, open_store


class OAuthSetupError(ValueError):
    """`--auth oauth` is missing something it needs; the message names it."""


@dataclass
class OAuthServer:
    store: Store
    records: SealedRecords
    grants: SalesforceGrants
    signin: SalesforceSignIn
    provider: FlowAuthProvider
    options: HttpOptions
    login_url: str
    machines: dict[str, MachineClient] = field(default_factory=dict)
    service: Credentials | None = None  # the server's own identity, once the REST client has it

    def credentials(self, service: Credentials) -> Credentials:
        """Wraps the server's own credentials: users' requests run with their own tokens, machine clients' with the
        identity each is mapped to."""
        self.service = service
        mapped = {m.subject: machine_credentials(m, self.login_url, service) for m in self.machines.values()}
        return UserCredentials(service, self.grants, mapped)

    def org_url(self) -> str | None:
        try:
            return self.service.instance_url if self.service is not None else None
        except RuntimeError:  # a mode that learns its instance from its first token, before it
            return None

    def auth_settings(self) -> AuthSettings:
        return AuthSettings(
            issuer_url=self.options.base_url,  # type: ignore[arg-type]
            resource_server_url=self.options.resource_url,  # type: ignore[arg-type]
            validate_token_resource=True,
            required_scopes=[SCOPE],
            client_registration_options=ClientRegistrationOptions(
                enabled=True, valid_scopes=[SCOPE], default_scopes=[SCOPE]
            ),
            revocation_options=RevocationOptions(enabled=True),
        )

    async def aclose(self) -> None:
        await self.store.aclose()


def default_store_spec(env: Mapping[str, str]) -> str:
    from ..auth.token_store import store_home

    return env.get(ENV_STORE) or f"sqlite:{store_home(dict(env)) / 'remote-server.db'}"


def open_oauth_server(
    settings: Settings, options: HttpOptions, *, store_spec: str | None = None, env: Mapping[str, str] | None = None
) -> OAuthServer:
    env = os.environ if env is None else env
    if not settings.client_id:
        raise OAuthSetupError(
            "--auth oauth signs users in with your team's External Client App: set SALESFORCE_CLIENT_ID (and "
            f"SALESFORCE_CLIENT_SECRET), SALESFORCE_LOGIN_URL (your My Domain), and register {options.base_url}"
            f"{CALLBACK_PATH} as its callback URL"
        )
    machines = load_machine_clients(Path(options.machine_clients), env) if options.machine_clients else {}
    spec = store_spec or options.store or default_store_spec(env)
    shared = not spec.startswith(("sqlite:", "/", ".")) and ":memory:" not in spec
    sealer = Sealer.from_env(env, ephemeral_ok=not shared)
    store = open_store(spec)
    records = SealedRecords(store, sealer)
    upstream = UpstreamApp(
        settings.login_url.rstrip("/"), settings.client_id, settings.client_secret, options.base_url + CALLBACK_PATH
    )
    server: OAuthServer
    grants = SalesforceGrants(records, upstream, org_url=lambda: server.org_url())
    signin = SalesforceSignIn(records, grants, upstream)
    documents = ClientDocuments.from_env(records, SCOPE, env, loopback_bind=options.loopback)
    provider = FlowAuthProvider(records, grants, options.resource_url, signin, documents)
    signin.provider = provider
    server = OAuthServer(store, records, grants, signin, provider, options, settings.login_url, machines)
    return server
