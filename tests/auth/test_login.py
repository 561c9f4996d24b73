"""`login` end to end: authorize URL -> approval page -> loopback redirect (a real socket) -> code exchange ->
stored profile -> an authorized GET; and every way it can fail without storing anything."""

from __future__ import annotations

import io
import shutil
import socket
import stat
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import anyio
import httpx2
import pytest

from salesforce_flow_mcp.auth.login import run_login, run_logout
from salesforce_flow_mcp.auth.token_store import TokenStore
from salesforce_flow_mcp.config import Settings

from .helpers import Org, assert_no_secrets, authorized_get, click_through, make_org, stored_credentials

pytestmark = pytest.mark.anyio


class Browser:
    """Stands in for `webbrowser.open`: remembers the URL; the test then plays the user in the browser."""

    def __init__(self) -> None:
        self.url: str | None = None
        self.opened = anyio.Event()

    def __call__(self, url: str) -> bool:
        self.url = url
        self.opened.set()
        return True


class WatchedOutput(io.StringIO):
    """`out` for --no-browser: signals when the sign-in URL has been printed."""

    def __init__(self) -> None:
        super().__init__()
        self.url_printed = anyio.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        if "/services/oauth2/authorize?" in self.getvalue():
            self.url_printed.set()
        return written

    def url(self) -> str:
        return next(w for w in self.getvalue().split() if "/services/oauth2/authorize?" in w)


async def follow_redirect(location: str) -> httpx2.Response:
    """The browser following the org's 302 to the loopback listener: a real HTTP request over a socket."""
    async with httpx2.AsyncClient() as browser:
        return await browser.get(location)


def edit_query(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


async def login_with(
    org: Org,
    store: TokenStore,
    user: Callable[[str], Awaitable[None]],
    **kwargs: object,
) -> tuple[int, str]:
    """Run `login` against the org while `user` acts in the browser with the URL `login` opened."""
    browser = Browser()
    out = io.StringIO()
    result: list[int] = []

    options: dict[str, object] = {"port": 0, "timeout": 30, "open_browser": browser, "out": out, **kwargs}

    async def login() -> None:
        settings = Settings(login_url=org.url)
        result.append(await run_login(settings, http_transport=org.transport, store=store, **options))

    async with anyio.create_task_group() as tg:
        tg.start_soon(login)
        await browser.opened.wait()
        assert browser.url is not None
        await user(browser.url)
    return result[0], out.getvalue()


async def test_the_whole_login_stores_a_working_profile(
    org: Org, store: TokenStore, captured_logs: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    pages: list[httpx2.Response] = []

    async def user(url: str) -> None:
        query = parse_qs(urlsplit(url).query)
        assert query["code_challenge_method"] == ["S256"] and len(query["state"][0]) >= 32
        assert query["redirect_uri"][0].startswith("http://localhost:")
        pages.append(await follow_redirect(await click_through(org, url)))

    code, output = await login_with(org, store, user)
    assert code == 0, output
    assert pages[0].status_code == 200 and "Signed in" in pages[0].text
    assert "Logged in to http://127.0.0.1 as profile 'default' (the default profile)" in output

    login = store.load()
    assert login is not None and login.refresh_token and login.client_id == "PlatformCLI"
    path = store.path_for("default")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (await authorized_get(org, login.access_token)).status_code == 200

    credentials = stored_credentials(org, store)
    assert credentials.mode == "stored login (profile default)"
    assert credentials.instance_url == org.url
    assert await credentials.access_token() == login.access_token
    await credentials.aclose()

    captured = capsys.readouterr()
    assert_no_secrets(
        [output, captured_logs.text, captured.out, captured.err, pages[0].text],
        [
            login.access_token,
            login.refresh_token,
        ],
    )


async def test_no_browser_prints_the_url_and_a_second_profile_is_not_the_default(org: Org, store: TokenStore) -> None:
    out = WatchedOutput()
    result: list[int] = []

    async def login(profile: str) -> None:
        result.append(
            await run_login(
                Settings(login_url=org.url),
                profile=profile,
                port=0,
                no_browser=True,
                timeout=30,
                open_browser=lambda url: pytest.fail("--no-browser must not open a browser"),
                out=out,
                http_transport=org.transport,
                store=store,
            )
        )

    for profile in ("first", "second"):
        out.url_printed = anyio.Event()
        out.seek(0)
        out.truncate()
        async with anyio.create_task_group() as tg:
            tg.start_soon(login, profile)
            await out.url_printed.wait()
            await follow_redirect(await click_through(org, out.url()))
    assert result == [0, 0]
    assert store.profiles() == ["first", "second"]
    assert store.default_profile() == "first"
    assert "Open this URL in a browser" in out.getvalue()


async def test_logout_revokes_and_deletes(org: Org, store: TokenStore) -> None:
    async def user(url: str) -> None:
        await follow_redirect(await click_through(org, url))

    assert (await login_with(org, store, user))[0] == 0
    login = store.load()
    assert login is not None
    out = io.StringIO()
    assert await run_logout(Settings(), out=out, http_transport=org.transport, store=store) == 0
    assert "revoked the session and deleted profile 'default'" in out.getvalue()
    assert store.load() is None and store.default_profile() is None
    assert (await authorized_get(org, login.access_token)).status_code == 401
    again = io.StringIO()
    assert await run_logout(Settings(), out=again, http_transport=org.transport, store=store) == 1
    assert "no stored login named 'default'" in again.getvalue()


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ({"state": "forged-state-value"}, "state mismatch"),
        ({"state": None}, "carried no state"),
    ],
)
async def test_wrong_or_missing_state_stores_nothing(
    org: Org, store: TokenStore, tamper: dict[str, str | None], message: str
) -> None:
    pages: list[httpx2.Response] = []

    async def user(url: str) -> None:
        location = await click_through(org, url)
        pages.append(await follow_redirect(edit_query(location, **tamper)))

    code, output = await login_with(org, store, user)
    assert code == 1
    assert message in output and "Nothing was stored" in output
    assert pages[0].status_code == 400 and "Sign-in failed" in pages[0].text
    assert store.profiles() == [] and store.load() is None


async def test_access_denied_stores_nothing(org: Org, store: TokenStore) -> None:
    async def user(url: str) -> None:
        await follow_redirect(await click_through(org, url, button="Deny"))

    code, output = await login_with(org, store, user)
    assert code == 1
    assert "Access was denied in the browser: end-user denied authorization" in output
    assert store.profiles() == []


async def test_timeout_stores_nothing(org: Org, store: TokenStore) -> None:
    async def user(url: str) -> None:
        return None  # the user never comes back

    code, output = await login_with(org, store, user, timeout=0.2)
    assert code == 1
    assert "no answer from the browser within 0.2 s; nothing was stored" in output
    assert store.profiles() == []


async def test_favicon_and_other_paths_do_not_end_the_login(org: Org, store: TokenStore) -> None:
    async def user(url: str) -> None:
        location = await click_through(org, url)
        port = urlsplit(location).port
        async with httpx2.AsyncClient() as browser:
            assert (await browser.get(f"http://127.0.0.1:{port}/favicon.ico")).status_code == 404
        assert (await follow_redirect(location)).status_code == 200

    assert (await login_with(org, store, user))[0] == 0


async def test_a_busy_port_is_a_clear_error(org: Org, store: TokenStore) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = io.StringIO()
        code = await run_login(
            Settings(login_url=org.url), port=port, timeout=5, open_browser=Browser(), out=out, store=store
        )
    assert code == 1
    assert f"Port {port} on 127.0.0.1 is in use" in out.getvalue() and "--port" in out.getvalue()


async def test_an_http_login_url_on_a_public_host_is_refused(store: TokenStore) -> None:
    out = io.StringIO()
    browser = Browser()
    code = await run_login(Settings(), login_url="http://login.example.com", port=0, open_browser=browser, out=out)
    assert code == 1 and browser.url is None
    assert "must use https" in out.getvalue()


async def test_an_instance_url_over_http_on_a_public_host_is_refused(store: TokenStore) -> None:
    rogue = make_org(base_url="http://org.example.com")  # the token response will name this instance_url

    async def user(url: str) -> None:
        await follow_redirect(await click_through(rogue, url))

    try:
        code, output = await login_with(rogue, store, user)
    finally:
        rogue.state.close()
    assert code == 1
    assert "instance_url in the token response must use https" in output
    assert store.profiles() == []


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


async def test_login_with_a_real_chromium(store: TokenStore) -> None:
    """The same login driven by Debian's chromium through Playwright, against the org on a real socket."""
    executable = _chromium()
    if executable is None:
        pytest.skip(
            "chromium is not installed here (`which chromium` finds nothing); the HTTP-client browser covers it"
        )
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.skip("the python `playwright` package is not installed (not a project dependency)")
    import uvicorn

    from salesforce_flow_mcp.localorg.app import create_org_app
    from salesforce_flow_mcp.localorg.store.state import OrgState

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        org_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        state = OrgState.create(base_url=org_url)
        server = uvicorn.Server(uvicorn.Config(create_org_app(state), log_level="warning"))
        browser_hook = Browser()
        out = io.StringIO()
        result: list[int] = []
        finished = anyio.Event()

        async def login() -> None:
            settings = Settings(login_url=org_url)
            result.append(
                await run_login(settings, port=0, timeout=60, open_browser=browser_hook, out=out, store=store)
            )
            finished.set()

        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve, [sock])
            while not server.started:  # noqa: ASYNC110 (uvicorn offers no startup event)
                await anyio.sleep(0.01)
            tg.start_soon(login)
            await browser_hook.opened.wait()
            async with async_playwright() as pw:
                chromium = await pw.chromium.launch(executable_path=executable)
                page = await chromium.new_page()
                await page.goto(str(browser_hook.url))
                await page.click("#oaapprove")
                await page.wait_for_selector("text=Signed in")
                await chromium.close()
            await finished.wait()
            server.should_exit = True
        state.close()
    assert result == [0], out.getvalue()
    assert store.load() is not None


@pytest.mark.parametrize(
    ("login_url", "authorize"),
    [
        (None, "https://login.salesforce.com/services/oauth2/authorize?"),
        ("production", "https://login.salesforce.com/services/oauth2/authorize?"),
        ("sandbox", "https://test.salesforce.com/services/oauth2/authorize?"),
        ("acme.my.salesforce.com", "https://acme.my.salesforce.com/services/oauth2/authorize?"),
        (
            "https://acme--dev.sandbox.my.salesforce.com/",
            "https://acme--dev.sandbox.my.salesforce.com/services/oauth2/",
        ),
    ],
)
async def test_production_sandbox_and_my_domain_login_urls(
    store: TokenStore, login_url: str | None, authorize: str
) -> None:
    out = io.StringIO()
    code = await run_login(Settings(), login_url=login_url, port=0, no_browser=True, timeout=0.05, out=out)
    assert code == 1  # nobody signs in: it times out before contacting the org
    assert authorize in out.getvalue()
    assert "client_id=PlatformCLI" in out.getvalue()
    assert store.profiles() == []
