"""Machine clients (Agentforce, CI agents): the OAuth client-credentials grant at our token endpoint
(RFC 6749 §4.4), each client mapped by configuration to a Salesforce identity it acts as.

The file (`--machine-clients FILE`, env SALESFORCE_FLOW_MCP_MACHINE_CLIENTS) is JSON:

    {"clients": [
      {"client_id": "ci-agent", "client_secret": "env:CI_AGENT_SECRET",
       "salesforce": {"grant": "client_credentials", "client_id": "env:SF_CI_CLIENT_ID",
                      "client_secret": "env:SF_CI_CLIENT_SECRET"}},
      {"client_id": "agentforce", "client_secret": "sha256:<hex digest of the secret>",
       "salesforce": {"grant": "jwt_bearer", "client_id": "env:SF_APP_ID", "username": "agent@example.com",
                      "key_file": "/run/secrets/agent.key"}},
      {"client_id": "reporting", "client_secret": "env:REPORTING_SECRET", "salesforce": {"grant": "server"}}
    ]}

Secrets are given as `env:NAME` (read from the environment at start) or, for the MCP client's own secret,
`sha256:<hex>` (only its digest is kept); never in the clear in the file. `"grant": "server"` acts as the server's
own identity. Salesforce logins go to SALESFORCE_LOGIN_URL unless an entry names its own `login_url`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..auth.credentials import ClientCredentials, Credentials, JWTBearerCredentials
from ..auth.masking import register_secret
from ..auth.oauth_client import OAuthClient

MACHINE_SUBJECT_PREFIX = "client:"


class MachineClientsError(ValueError):
    """The machine-clients file is unreadable or wrong; the message names the entry and the field."""


class _Salesforce(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grant: Literal["client_credentials", "jwt_bearer", "server"]
    client_id: str | None = None
    client_secret: str | None = None
    username: str | None = None
    key_file: str | None = None
    login_url: str | None = None


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: str = Field(pattern=r"^[A-Za-z0-9._~-]{3,64}$")
    client_secret: str = Field(pattern=r"^(env|sha256):.+$")
    salesforce: _Salesforce


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    clients: list[_Entry]


@dataclass(frozen=True)
class MachineClient:
    client_id: str
    secret_sha256: bytes
    salesforce: _Salesforce

    @property
    def subject(self) -> str:
        return MACHINE_SUBJECT_PREFIX + self.client_id

    def secret_matches(self, secret: str) -> bool:
        return hmac.compare_digest(hashlib.sha256(secret.encode()).digest(), self.secret_sha256)


def _env_value(reference: str | None, env: Mapping[str, str], where: str) -> str | None:
    if reference is None or not reference.startswith("env:"):
        return reference
    name = reference[4:]
    value = env.get(name)
    if not value:
        raise MachineClientsError(f"{where} names the environment variable {name}, which is not set")
    register_secret(value)
    return value


def load_machine_clients(path: Path, env: Mapping[str, str] | None = None) -> dict[str, MachineClient]:
    env = os.environ if env is None else env
    try:
        parsed = _File.model_validate(json.loads(path.read_text()))
    except OSError as exc:
        raise MachineClientsError(f"cannot read the machine-clients file {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise MachineClientsError(f"the machine-clients file {path} is not JSON: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MachineClientsError(f"the machine-clients file {path}: {where}: {first['msg']}") from None
    clients: dict[str, MachineClient] = {}
    for entry in parsed.clients:
        where = f"machine client {entry.client_id!r}"
        if entry.client_id in clients:
            raise MachineClientsError(f"{where} is listed twice")
        if entry.client_secret.startswith("sha256:"):
            try:
                digest = bytes.fromhex(entry.client_secret[7:])
            except ValueError:
                digest = b""
            if len(digest) != 32:
                raise MachineClientsError(f"{where}: client_secret sha256: must be 64 hex digits")
        else:
            secret = _env_value(entry.client_secret, env, f"{where} client_secret") or ""
            if len(secret) < 16:
                raise MachineClientsError(f"{where}: its client secret must be at least 16 characters")
            digest = hashlib.sha256(secret.encode()).digest()
        sf = entry.salesforce
        if sf.grant != "server" and not sf.client_id:
            raise MachineClientsError(f"{where}: salesforce.client_id is required for the {sf.grant} grant")
        if sf.grant == "jwt_bearer" and not (sf.username and sf.key_file):
            raise MachineClientsError(f"{where}: the jwt_bearer grant needs salesforce.username and key_file")
        resolved = sf.model_copy(
            update={
                "client_id": _env_value(sf.client_id, env, f"{where} salesforce.client_id"),
                "client_secret": _env_value(sf.client_secret, env, f"{where} salesforce.client_secret"),
            }
        )
        clients[entry.client_id] = MachineClient(entry.client_id, digest, resolved)
    return clients


def machine_credentials(client: MachineClient, login_url: str, service: Credentials) -> Credentials:
    """The Salesforce identity a machine client acts as (its own single-flight token cache)."""
    sf = client.salesforce
    if sf.grant == "server":
        return service
    assert sf.client_id is not None
    oauth = OAuthClient((sf.login_url or login_url).rstrip("/"), sf.client_id, sf.client_secret)
    if sf.grant == "client_credentials":
        return ClientCredentials(oauth)
    assert sf.username is not None and sf.key_file is not None
    try:
        key = Path(sf.key_file).read_bytes()
    except OSError as exc:
        raise MachineClientsError(f"machine client {client.client_id!r}: cannot read {sf.key_file}: {exc}") from None
    return JWTBearerCredentials(oauth, username=sf.username, private_key_pem=key)
