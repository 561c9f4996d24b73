"""The sign-in commands (login, logout, doctor): argument parsing wired to the auth package."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import anyio

if TYPE_CHECKING:
    from .config import Settings


def _settings(args: argparse.Namespace) -> Settings:
    from .config import load_settings  # not at import: building the command line's parser must stay cheap

    return load_settings(vars(args))


def _login(args: argparse.Namespace) -> int:
    from .auth.login import run_login

    async def go() -> int:
        return await run_login(
            _settings(args),
            profile=args.profile,
            port=args.port,
            no_browser=args.no_browser,
            timeout=args.timeout,
            login_url=args.login_url,
            set_default=args.set_default,
            out=sys.stderr,
        )

    return anyio.run(go)


def _logout(args: argparse.Namespace) -> int:
    from .auth.login import run_logout

    async def go() -> int:
        return await run_logout(_settings(args), profile=args.profile, out=sys.stderr)

    return anyio.run(go)


def _doctor(args: argparse.Namespace) -> int:
    from .auth.doctor import run_doctor

    async def go() -> int:
        return await run_doctor(_settings(args), out=sys.stdout)

    return anyio.run(go)


def _add_login(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="name to store this login under (default: SALESFORCE_PROFILE or 'default')")
    parser.add_argument("--login-url", help="production (default), sandbox, or your My Domain URL")
    parser.add_argument(
        "--client-id",
        help="consumer key of your External Client App (env SALESFORCE_CLIENT_ID; default: the sf CLI's app)",
    )
    parser.add_argument(
        "--port", type=int, default=1717, help="loopback redirect port (http://localhost:PORT/OauthRedirect)"
    )
    parser.add_argument(
        "--no-browser",
        action="store_true",
        help="print the sign-in URL instead of opening a browser, and take the redirected address pasted back",
    )
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for the browser sign-in")
    parser.add_argument("--set-default", action="store_true", help="make this profile the default")
    parser.set_defaults(func=_login)


def _add_logout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="profile to sign out of (default: the default profile)")
    parser.set_defaults(func=_logout)


def _add_doctor(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="stored login profile to check")
    parser.add_argument("--instance-url", help="org base URL (env SALESFORCE_INSTANCE_URL)")
    parser.add_argument("--target-org", help="an sf CLI org alias or username to check (env SALESFORCE_TARGET_ORG)")
    parser.add_argument("--login-url", help="OAuth base URL (env SALESFORCE_LOGIN_URL)")
    parser.add_argument("--api-version", help="REST API version to check (env SALESFORCE_API_VERSION)")
    parser.set_defaults(func=_doctor)


AUTH_COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "login": ("sign in to an org in the browser (OAuth 2.0 with PKCE) and store the login", _add_login),
    "logout": ("revoke and delete a stored login", _add_logout),
    "doctor": ("check the configuration, URLs, token, API version and limits, and say what to fix", _add_doctor),
}
