"""Which auth mode the HTTP transport runs in, and the rule that nothing is served unauthenticated beyond loopback.

Modes:
- `token`: one bearer token of the operator's choosing (`--http-token` / SALESFORCE_FLOW_MCP_HTTP_TOKEN), generated
  and printed at start when not given. The default.
- `oauth`: the MCP authorization specification's model: an OAuth resource server that is also the authorization
  server for MCP clients, with each user's sign-in delegated to Salesforce.
- `none`: no authentication, only for loopback binds (a tool call can change the org, so anyone who can reach the
  port would act as the server's Salesforce identity).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

from ..urls import is_loopback_host

AuthMode = Literal["token", "oauth", "none"]
AUTH_MODES: tuple[str, ...] = get_args(AuthMode)
ENV_AUTH = "SALESFORCE_FLOW_MCP_AUTH"
ENV_HTTP_TOKEN = "SALESFORCE_FLOW_MCP_HTTP_TOKEN"
ENV_PUBLIC_URL = "SALESFORCE_FLOW_MCP_PUBLIC_URL"
ENV_MACHINE_CLIENTS = "SALESFORCE_FLOW_MCP_MACHINE_CLIENTS"
ENV_AUDIT_LOG = "SALESFORCE_FLOW_MCP_AUDIT_LOG"
ENV_RATE_LIMIT = "SALESFORCE_FLOW_MCP_RATE_LIMIT"
MIN_TOKEN_LENGTH = 16


class BindRefusedError(ValueError):
    """A combination of address and auth mode the server will not serve; the message says what to do instead."""


@dataclass(frozen=True)
class HttpOptions:
    host: str = "127.0.0.1"
    port: int = 8765
    auth: AuthMode = "token"
    token: str | None = field(default=None, repr=False)
    token_generated: bool = False
    public_url: str | None = None  # where clients reach us (behind a TLS-terminating proxy); default http://host:port
    machine_clients: str | None = None  # --auth oauth: JSON file of client-credentials clients (machine.py)
    store: str | None = None  # --auth oauth: sqlite:PATH or redis://... (None: SALESFORCE_FLOW_MCP_STORE or default)
    audit_log: str | None = None  # JSON lines to this file, or '-' for stderr; None: stderr with --auth oauth, else off
    audit_inputs: bool = False
    rate_limit: str | None = None  # CALLS/SECONDS per user

    @property
    def loopback(self) -> bool:
        return is_loopback_host(self.host)

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def resource_url(self) -> str:
        """The MCP endpoint's URL: the protected resource's identifier (RFC 9728 §1.2, RFC 8707)."""
        return self.base_url + "/mcp"


def resolve_http_options(flags: Mapping[str, Any], env: Mapping[str, str] | None = None) -> HttpOptions:
    """The `serve` flags (argparse's names: host, port, auth, http_token, public_url, machine_clients, store,
    audit_log, audit_inputs, rate_limit; a missing or None one is not given) over the environment; raises
    BindRefusedError for what must not be served."""
    env = os.environ if env is None else env
    host, port, store = str(flags.get("host", "127.0.0.1")), int(flags.get("port", 8765)), flags.get("store")
    mode = (flags.get("auth") or env.get(ENV_AUTH) or "token").strip().lower()
    if mode not in AUTH_MODES:
        raise BindRefusedError(f"--auth must be one of {', '.join(AUTH_MODES)}, not {mode!r}")
    token = flags.get("http_token") or env.get(ENV_HTTP_TOKEN) or None
    public_url = flags.get("public_url") or env.get(ENV_PUBLIC_URL) or None
    machine_clients = flags.get("machine_clients") or env.get(ENV_MACHINE_CLIENTS) or None
    if store and mode != "oauth":
        raise BindRefusedError("--store needs --auth oauth (it keeps the signed-in users' tokens)")
    if machine_clients and mode != "oauth":
        raise BindRefusedError("--machine-clients needs --auth oauth (machine clients get tokens at its /token)")
    if mode == "none" and not is_loopback_host(host):
        raise BindRefusedError(
            f"refusing to serve {host} without authentication: anyone who can reach that address could run tools "
            "that change the org. Bind a loopback address (--host 127.0.0.1), or use --auth token (a bearer token, "
            "--http-token or SALESFORCE_FLOW_MCP_HTTP_TOKEN) or --auth oauth (each user signs in with Salesforce)."
        )
    if mode == "token" and token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise BindRefusedError(
            f"--http-token must be at least {MIN_TOKEN_LENGTH} characters (a guessable token is no protection); "
            "leave it out to have one generated"
        )
    if public_url is not None and not public_url.startswith(("https://", "http://")):
        raise BindRefusedError(f"--public-url must be an absolute http(s) URL, not {public_url!r}")
    generated = mode == "token" and token is None
    if generated:
        token = secrets.token_urlsafe(32)
    return HttpOptions(
        host=host,
        port=port,
        auth=cast(AuthMode, mode),
        token=token if mode == "token" else None,
        token_generated=generated,
        public_url=public_url,
        machine_clients=machine_clients,
        store=store,
        audit_log=flags.get("audit_log") or env.get(ENV_AUDIT_LOG) or ("-" if mode == "oauth" else None),
        audit_inputs=bool(flags.get("audit_inputs")),
        rate_limit=flags.get("rate_limit") or env.get(ENV_RATE_LIMIT) or None,
    )
