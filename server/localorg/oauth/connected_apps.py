"""Connected apps registered in the embedded org: the OAuth clients its `/services/oauth2/*` endpoints accept.

Every org starts with one app, `PlatformCLI` (the sf CLI's public client: no secret, PKCE, callback
http://localhost:1717/OauthRedirect). Tests and `org serve` add more:

    apps = connected_apps(state)
    apps.register(ConnectedApp("MyApp", client_secret="s3cret", rotate_refresh_tokens=True,
                               jwt_keys=(public_key_pem,), client_credentials_user="admin@embedded-org.localhost"))
    apps.configure("PlatformCLI", rotate_refresh_tokens=True)

The registry hangs off the OrgState (weakly), so the org's own modules need not know about it.
"""

from __future__ import annotations

import hmac
import threading
import weakref
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from salesforce_flow_mcp.localorg.store.state import OrgState

DEFAULT_CLI_CLIENT_ID = "PlatformCLI"
DEFAULT_CLI_CALLBACK = "http://localhost:1717/OauthRedirect"
DEFAULT_SCOPES = ("api", "refresh_token", "web")
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class ConnectedApp:
    client_id: str
    name: str = ""
    client_secret: str | None = None  # None: a public client, which must use PKCE
    callback_urls: tuple[str, ...] = ()
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    rotate_refresh_tokens: bool = False  # Salesforce's "Enable Refresh Token Rotation"
    jwt_keys: tuple[str, ...] = ()  # PEM public keys or X.509 certificates accepted for the JWT bearer grant
    client_credentials_user: str | None = None  # Username of the run-as user; None = grant disabled

    @property
    def label(self) -> str:
        return self.name or self.client_id

    @property
    def is_public(self) -> bool:
        return self.client_secret is None

    def secret_matches(self, secret: str | None) -> bool:
        if self.client_secret is None or secret is None:
            return False
        return hmac.compare_digest(self.client_secret.encode(), secret.encode())

    def callback_allowed(self, redirect_uri: str) -> bool:
        """Exact match with a registered callback; for loopback callbacks any port (RFC 8252 §7.3), since a
        native app binds whatever port is free."""
        if redirect_uri in self.callback_urls:
            return True
        wanted = urlsplit(redirect_uri)
        if wanted.scheme != "http" or (wanted.hostname or "") not in _LOOPBACK_HOSTS:
            return False
        for url in self.callback_urls:
            known = urlsplit(url)
            if (
                known.scheme == "http"
                and known.hostname == wanted.hostname
                and known.path == wanted.path
                and known.query == wanted.query
            ):
                return True
        return False


def default_cli_app() -> ConnectedApp:
    return ConnectedApp(DEFAULT_CLI_CLIENT_ID, name="Salesforce CLI", callback_urls=(DEFAULT_CLI_CALLBACK,))


class ConnectedApps:
    """Thread-safe registry of connected apps by client id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._apps: dict[str, ConnectedApp] = {}
        self.register(default_cli_app())

    def register(self, app: ConnectedApp) -> ConnectedApp:
        if not app.client_id or len(app.client_id) > 255:
            raise ValueError("a connected app needs a client id of 1-255 characters")
        with self._lock:
            self._apps[app.client_id] = app
        return app

    def configure(self, client_id: str, **changes: Any) -> ConnectedApp:
        """Change settings of a registered app (e.g. rotate_refresh_tokens=True)."""
        with self._lock:
            app = self._apps.get(client_id)
            if app is None:
                raise KeyError(f"no connected app with client id {client_id!r}")
            app = replace(app, **changes)
            self._apps[client_id] = app
        return app

    def get(self, client_id: str | None) -> ConnectedApp | None:
        if not client_id:
            return None
        with self._lock:
            return self._apps.get(client_id)

    def remove(self, client_id: str) -> bool:
        with self._lock:
            return self._apps.pop(client_id, None) is not None

    def all(self) -> list[ConnectedApp]:
        with self._lock:
            return list(self._apps.values())


_registries: weakref.WeakKeyDictionary[OrgState, ConnectedApps] = weakref.WeakKeyDictionary()
_registries_lock = threading.Lock()


def connected_apps(state: OrgState) -> ConnectedApps:
    """The org's connected apps (created, with the default CLI app, on first use)."""
    with _registries_lock:
        apps = _registries.get(state)
        if apps is None:
            apps = _registries[state] = ConnectedApps()
        return apps
