"""`login` and `logout`: the browser sign-in (authorization code + PKCE S256 + state, loopback redirect) that saves a
profile in the token store, and its undoing (revoke at the org, then delete)."""

from __future__ import annotations

import secrets
import sys
import webbrowser
from collections.abc import Callable
from typing import TextIO
from urllib.parse import urlencode

import anyio
import anyio.to_thread
import httpx2

from ..config import Settings
from .errors import AuthError
from .loopback import DEFAULT_PORT, LoopbackRedirectListener, RedirectOutcome
from .oauth_client import LOGIN_AGAIN, OAuthClient, resolve_login_url
from .token_store import DEFAULT_PROFILE_NAME, StoredLogin, TokenStore, check_profile_name

DEFAULT_CLIENT_ID = (
    "PlatformCLI"  # the sf CLI's connected app: public, PKCE, callback http://localhost:1717/OauthRedirect
)
DEFAULT_TIMEOUT = 300.0

__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_PORT", "DEFAULT_TIMEOUT", "run_login", "run_logout"]


def _say(out: TextIO, text: str) -> None:
    out.write(text + "\n")
    out.flush()


async def run_login(
    settings: Settings,
    *,
    profile: str | None = None,
    port: int = DEFAULT_PORT,
    no_browser: bool = False,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 (the CLI's --timeout: how long to wait for the browser)
    login_url: str | None = None,
    open_browser: Callable[[str], object] = webbrowser.open,
    out: TextIO = sys.stderr,
    set_default: bool = False,
    http_transport: httpx2.AsyncBaseTransport | None = None,
    store: TokenStore | None = None,
) -> int:
    """Sign in through the browser and save the login as a profile. Returns 0 on success, 1 otherwise.

    CLI flags: `--profile NAME` (default: SALESFORCE_PROFILE, else "default"), `--port N` (loopback redirect port,
    default 1717; the redirect URI is http://localhost:N/OauthRedirect), `--no-browser` (print the URL instead of
    opening it), `--timeout SECONDS` (default 300), `--login-url URL|production|sandbox` (default
    SALESFORCE_LOGIN_URL; a My Domain URL works too), `--set-default` (make this profile the default; the first
    profile saved always becomes the default). SALESFORCE_CLIENT_ID [+ SALESFORCE_CLIENT_SECRET] choose the connected
    app (default PlatformCLI, the sf CLI's). A wrong or missing `state`, a denial and a timeout store nothing.
    """
    try:
        base_url = resolve_login_url(login_url, settings.login_url)
        name = check_profile_name(profile or settings.profile or DEFAULT_PROFILE_NAME)
        store = store if store is not None else TokenStore()
        client_id = settings.client_id or DEFAULT_CLIENT_ID
        async with LoopbackRedirectListener(port) as listener:
            redirect_uri = listener.redirect_uri
            oauth = OAuthClient(
                base_url, client_id, settings.client_secret, redirect_uri=redirect_uri, transport=http_transport
            )
            try:
                return await _browser_login(
                    oauth, listener, store, name, set_default, no_browser, timeout, open_browser, out
                )
            finally:
                await oauth.aclose()
    except AuthError as exc:
        _say(out, f"Login failed: {exc}")
        return 1


async def _browser_login(
    oauth: OAuthClient,
    listener: LoopbackRedirectListener,
    store: TokenStore,
    profile: str,
    set_default: bool,
    no_browser: bool,
    wait_seconds: float,
    open_browser: Callable[[str], object],
    out: TextIO,
) -> int:
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters: inside PKCE's 43..128
    url = oauth.authorization_url(state=state, code_verifier=verifier)

    async def on_redirect(params: dict[str, str]) -> RedirectOutcome:
        returned_state = params.get("state")
        if not returned_state:
            return RedirectOutcome(False, "The sign-in answer carried no state, so it is not trusted. " + LOGIN_AGAIN)
        if not secrets.compare_digest(returned_state, state):
            return RedirectOutcome(
                False, "The sign-in answer belongs to another login attempt (state mismatch). " + LOGIN_AGAIN
            )
        if "error" in params:
            error = params["error"] or "error"
            detail = params.get("error_description") or ""
            if error == "access_denied":
                return RedirectOutcome(False, f"Access was denied in the browser{': ' + detail if detail else ''}.")
            return RedirectOutcome(False, f"The org refused the sign-in: {error}{': ' + detail if detail else ''}.")
        try:
            issued = await oauth.exchange_code(
                _redirect_url(listener.redirect_uri, params), state=state, code_verifier=verifier
            )
        except AuthError as exc:
            return RedirectOutcome(False, exc.message)
        login = StoredLogin(
            profile=profile,
            instance_url=issued.instance_url,
            login_url=oauth.endpoints.base_url,
            client_id=oauth.client_id,
            client_secret=oauth.client_secret,
            access_token=issued.access_token,
            refresh_token=issued.refresh_token,
            identity_url=issued.identity_url,
            issued_at=issued.issued_at,
            scope=issued.scope,
        )
        try:
            path = await anyio.to_thread.run_sync(lambda: store.save(login, make_default=set_default))
            default = await anyio.to_thread.run_sync(store.default_profile)
        except (OSError, AuthError) as exc:
            return RedirectOutcome(False, f"Signed in, but the login could not be saved: {exc}")
        note = " (the default profile)" if default == profile else ""
        refresh = "" if issued.refresh_token else " No refresh token came back: add the refresh_token scope to renew."
        return RedirectOutcome(
            True, f"Logged in to {issued.instance_url} as profile {profile!r}{note}; saved in {path}.{refresh}"
        )

    if no_browser:
        _say(out, f"Open this URL in a browser on this machine to sign in:\n\n  {url}\n")
    else:
        _say(out, f"Opening your browser to sign in. If it does not open, visit:\n\n  {url}\n")
        try:
            open_browser(url)
        except Exception as exc:  # no browser on this machine: the printed URL still works
            _say(out, f"Could not open a browser ({type(exc).__name__}); open the URL above yourself.")
    _say(out, f"Waiting up to {wait_seconds:g} s for the redirect to {listener.redirect_uri} ...")

    with anyio.move_on_after(wait_seconds):
        outcome = await listener.wait(on_redirect)
        _say(out, outcome.message if outcome.ok else f"Login failed: {outcome.message} Nothing was stored.")
        return 0 if outcome.ok else 1
    _say(
        out,
        f"Login failed: no answer from the browser within {wait_seconds:g} s; nothing was stored. Run "
        "`salesforce-flow-mcp login` again (--timeout SECONDS waits longer; --no-browser prints the URL to open).",
    )
    return 1


def _redirect_url(redirect_uri: str, params: dict[str, str]) -> str:
    return f"{redirect_uri}?{urlencode(params)}"


async def run_logout(
    settings: Settings,
    *,
    profile: str | None = None,
    out: TextIO = sys.stderr,
    http_transport: httpx2.AsyncBaseTransport | None = None,
    store: TokenStore | None = None,
) -> int:
    """Revoke a stored login's refresh token at the org and delete the profile. Returns 0 on success, 1 otherwise.

    CLI flags: `--profile NAME` (default: SALESFORCE_PROFILE, else the default profile). When the org cannot be
    reached the local entry is deleted anyway and the exit code is 1 (the token may still be valid at the org).
    """
    store = store if store is not None else TokenStore()
    try:
        name = await anyio.to_thread.run_sync(store.resolve, profile or settings.profile)
        try:
            login = await anyio.to_thread.run_sync(store.load, name)
        except AuthError as exc:  # unreadable: nothing to revoke with, but the user still wants it gone
            await anyio.to_thread.run_sync(store.delete, name)
            _say(out, f"{exc} Deleted it; revoke the session in Setup if needed.")
            return 1
    except AuthError as exc:
        _say(out, f"Logout failed: {exc}")
        return 1
    if login is None:
        _say(out, f"There is no stored login named {name!r}; nothing to log out of.")
        return 1

    revoked = True
    oauth: OAuthClient | None = None
    try:
        oauth = OAuthClient(login.login_url, login.client_id, login.client_secret, transport=http_transport)
        await oauth.revoke(login.refresh_token or login.access_token)
    except AuthError as exc:
        revoked = False
        _say(out, f"Warning: {exc} The session may stay valid until it expires; revoke it in Setup if needed.")
    finally:
        if oauth is not None:
            await oauth.aclose()
    await anyio.to_thread.run_sync(store.delete, name)
    what = "revoked the session and deleted" if revoked else "deleted"
    _say(out, f"Logged out of {login.instance_url}: {what} profile {name!r}.")
    return 0 if revoked else 1
