"""The `serve` flags of the HTTP transport's auth, kept here so the CLI module stays small."""

from __future__ import annotations

import argparse

from .binding import (
    AUTH_MODES,
    ENV_AUDIT_LOG,
    ENV_AUTH,
    ENV_HTTP_TOKEN,
    ENV_MACHINE_CLIENTS,
    ENV_PUBLIC_URL,
    ENV_RATE_LIMIT,
    HttpOptions,
    resolve_http_options,
)


def add_http_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--auth",
        choices=AUTH_MODES,
        help=f"with --transport http: token (default), oauth, or none (loopback only) (env {ENV_AUTH})",
    )
    parser.add_argument(
        "--http-token",
        help=f"with --auth token: the bearer token clients send (env {ENV_HTTP_TOKEN}; default: generated)",
    )
    parser.add_argument(
        "--public-url", help=f"the server's URL as clients see it, e.g. behind a TLS proxy (env {ENV_PUBLIC_URL})"
    )

    parser.add_argument(
        "--machine-clients",
        help=f"with --auth oauth: JSON file of client-credentials clients and the Salesforce identity each acts as "
        f"(env {ENV_MACHINE_CLIENTS})",
    )

    parser.add_argument(
        "--store",
        help="with --auth oauth: where signed-in users' tokens live: sqlite:PATH (one process, the default) or "
        "redis://HOST:PORT/DB (shared by replicas) (env SALESFORCE_FLOW_MCP_STORE)",
    )

    parser.add_argument(
        "--audit-log",
        help="with --transport http: JSON lines of every tool call to this file ('-': stderr, the default with "
        f"--auth oauth) (env {ENV_AUDIT_LOG})",
    )
    parser.add_argument(
        "--audit-inputs", action="store_true", help="with --audit-log: include the arguments of each call"
    )
    parser.add_argument(
        "--rate-limit",
        help=f"with --transport http: tool calls per user, CALLS/SECONDS, e.g. 60/60 (env {ENV_RATE_LIMIT})",
    )


def http_options(args: argparse.Namespace) -> HttpOptions:
    return resolve_http_options(vars(args))
