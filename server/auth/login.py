"""`login` and `logout`: the browser sign-in (authorization code + PKCE S256 + state, loopback redirect) that saves a
profile in the token store, and its undoing (revoke at the org, then delete)."""

from __future__ import annotations

import secrets
import sys
import webbrowser
from collections.abc import Awaitable, Callable
from typing import TextIO
from urllib.parse import parse_qsl, urlencode, urlsplit

import anyio
import anyio.to_thread
import httpx2

from ..config import Settings
from .errors import AuthError
from .loopback import DEFAULT_PORT, LoopbackRedirectListener, RedirectOutcome
from .oauth_client import BROWSER_ERROR_HINTS, LOGIN_AGAIN, UNINSTALLED_APP, OAuthClient, resolve_login_url
from .token_store import DEFAULT_PROFILE_NAME, StoredLogin, TokenStore, check_profile_name

# The sf CLI's connected app (public, PKCE, callback http://localhost:1717/OauthRedirect): a fallback, since orgs
# block it unless it is installed (oauth_client.UNINSTALLED_APP); `--client-id` names the user's own External
# Client App.
DEFAULT_CLIENT_ID = "PlatformCLI"
DEFAULT_TIMEOUT = 300.0
# What the README tells users to allow on their External Client App. (The sf CLI asks for `refresh_token api web`,
# sfdx-core src/org/authInfo.ts; `web` is not needed here.)
LOGIN_SCOPES = "api refresh_token"

PasteReader = Callable[[], Awaitable[str | None]]

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
    paste: PasteReader | None = None,
) -> int:
    """Sign in through the browser and save the login as a profile. Returns 0 on success, 1 otherwise.

    CLI flags: `--profile NAME` (default: SALESFORCE_PROFILE, else "default"), `--port N` (loopback redirect port,
    default 1717; the redirect URI is http://localhost:N/OauthRedirect), `--no-browser` (print the URL instead of
    opening it), `--timeout SECONDS` (default 300), `--login-url URL|production|sandbox` (default
    SALESFORCE_LOGIN_URL; a My Domain URL works too), `--set-default` (make this profile the default; the first
    profile saved always becomes the default), `--client-id` / SALESFORCE_CLIENT_ID [+ SALESFORCE_CLIENT_SECRET]:
    the External Client App (default PlatformCLI, the sf CLI's). With `--no-browser` the redirected URL can also be
    pasted back (`paste` reads it; default: stdin), for a browser on another machine. A wrong or missing `state`, a
    denial and a timeout store nothing.
    """
    try:
        base_url = resolve_login_url(login_url, settings.login_url)
        name = check_profile_name(profile or settings.profile or DEFAULT_PROFILE_NAME)
        store = store if store is not None else TokenStore()
        client_id = settings.client_id or DEFAULT_CLIENT_ID
        async with LoopbackRedirectListener(port) as listener:
            redirect_uri = listener.redirect_uri
            oauth = OAuthClient(
                base_url,
                client_id,
                settings.client_secret,
                redirect_uri=redirect_uri,
                scope=LOGIN_SCOPES,
                transport=http_transport,
            )
            reader = (paste or _read_stdin_line) if no_browser else None
            try:
                return await _browser_login(
                    oauth, listener, store, name, set_default, reader, timeout, open_browser, out
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
    paste: PasteReader | None,
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
            hint = f" Fix: {BROWSER_ERROR_HINTS[error]}." if error in BROWSER_ERROR_HINTS else ""
            return RedirectOutcome(
                False, f"The org refused the sign-in: {error}{': ' + detail if detail else ''}.{hint}"
            )
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

    if paste is not None:
        _say(
            out,
            f"Open this URL in a browser to sign in:\n\n  {url}\n\nOn this machine, the browser comes back by itself. "
            f"On another machine it ends on a page that does not load ({listener.redirect_uri}?code=...): copy that "
            "address from the browser and paste it here.",
        )
    else:
        _say(out, f"Opening your browser to sign in. If it does not open, visit:\n\n  {url}\n")
        try:
            open_browser(url)
        except Exception as exc:  # no browser on this machine: the printed URL still works
            _say(out, f"Could not open a browser ({type(exc).__name__}); open the URL above yourself.")
    if oauth.client_id == DEFAULT_CLIENT_ID:
        _say(
            out,
            f"(Signing in with the sf CLI's app. If Salesforce shows OAUTH_APPROVAL_ERROR_GENERIC, {UNINSTALLED_APP}.)",
        )
    _say(out, f"Waiting up to {wait_seconds:g} s for the redirect to {listener.redirect_uri} ...")

    with anyio.move_on_after(wait_seconds):
        outcome = await _first_answer(listener, on_redirect, paste, out)
        _say(out, outcome.message if outcome.ok else f"Login failed: {outcome.message} Nothing was stored.")
        return 0 if outcome.ok else 1
    _say(
        out,
        f"Login failed: no answer from the browser within {wait_seconds:g} s; nothing was stored. If the browser "
        f"showed OAUTH_APPROVAL_ERROR_GENERIC, {UNINSTALLED_APP}. Otherwise run `salesforce-flow-mcp login` again "
        "(--timeout SECONDS waits longer; --no-browser prints the URL and takes the redirected address pasted back).",
    )
    return 1


async def _first_answer(
    listener: LoopbackRedirectListener,
    on_redirect: Callable[[dict[str, str]], Awaitable[RedirectOutcome]],
    paste: PasteReader | None,
    out: TextIO,
) -> RedirectOutcome:
    """The redirect, from the loopback listener or (with --no-browser) pasted back, whichever comes first."""
    if paste is None:
        return await listener.wait(on_redirect)
    outcome: RedirectOutcome | None = None
    async with anyio.create_task_group() as group:

        async def from_browser() -> None:
            nonlocal outcome
            outcome = await listener.wait(on_redirect)
            group.cancel_scope.cancel()

        async def from_paste() -> None:
            nonlocal outcome
            while True:
                line = await paste()
                if line is None:
                    return  # no terminal to read from: the loopback redirect is the only way
                params = pasted_redirect(line, listener.redirect_uri)
                if params is None:
                    if line.strip():
                        _say(
                            out,
                            f"That is not the redirected address (it starts with {listener.redirect_uri}?); "
                            "paste it again.",
                        )
                    continue
                outcome = await on_redirect(params)
                group.cancel_scope.cancel()
                return

        group.start_soon(from_browser)
        group.start_soon(from_paste)
    assert outcome is not None
    return outcome


def pasted_redirect(text: str, redirect_uri: str) -> dict[str, str] | None:
    """The query of a pasted redirect address (`http://localhost:PORT/OauthRedirect?code=...&state=...`), or None."""
    pasted, expected = urlsplit(text.strip()), urlsplit(redirect_uri)
    if (pasted.scheme, pasted.netloc, pasted.path) != (expected.scheme, expected.netloc, expected.path):
        return None
    params = dict(parse_qsl(pasted.query, keep_blank_values=True))
    return params if "state" in params or "error" in params or "code" in params else None


async def _read_stdin_line() -> str | None:
    if sys.stdin is None or not sys.stdin.isatty():
        return None
    line = await anyio.to_thread.run_sync(sys.stdin.readline, abandon_on_cancel=True)
    return line or None


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
