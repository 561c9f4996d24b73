"""Command line: serve, tools, call, demo, org serve, login, logout, doctor."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from . import __version__
from .logging_setup import configure_logging
from .remote.flags import add_http_flags
from .startup_tuning import begin_startup_tuning

if TYPE_CHECKING:
    from .config import OrgTarget, Settings

EXIT_USAGE = 2
PROG = "salesforce-flow-mcp"

# One example per command, shown at the end of its --help.
EXAMPLES: dict[str, str] = {
    "serve": f"{PROG} serve --demo\n  {PROG} serve --target-org my-sandbox --read-only",
    "tools": f"{PROG} tools --demo --flows force-app/main/default/flows",
    "call": f'{PROG} call flow_Route_Support_Case --demo --args \'{{"priority": "High", "subject": "Outage"}}\'',
    "demo": f"{PROG} demo --dialect seed",
    "org serve": f"{PROG} org serve --port 8642 --flows force-app/main/default/flows --db org.db",
    "login": f"{PROG} login --client-id 3MVG9... --login-url sandbox\n  {PROG} login --no-browser",
    "logout": f"{PROG} logout --profile work",
    "doctor": f"{PROG} doctor --target-org my-sandbox",
}


def _command(commands: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name.split()[-1],
        help=help_text,
        description=help_text[:1].upper() + help_text[1:] + ".",
        epilog=f"example:\n  {EXAMPLES[name]}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def _org_flags(parser: argparse.ArgumentParser) -> None:
    """The flags that choose the org and shape the catalogue; each dest is a Settings field (config.load_settings)."""
    parser.add_argument(
        "--demo", action="store_true", default=None, help="use the embedded local org (env SALESFORCE_DEMO=1)"
    )
    parser.add_argument("--flows", type=Path, help="with --demo: load *.flow-meta.xml from this folder instead")
    parser.add_argument("--actions", type=Path, help="with --demo: JSON of canned outputs for Apex/external actions")
    parser.add_argument("--instance-url", help="org base URL (env SALESFORCE_INSTANCE_URL)")
    parser.add_argument(
        "--target-org", help="an org you logged into with the sf CLI: its alias or username (SALESFORCE_TARGET_ORG)"
    )
    parser.add_argument("--api-version", help="pin a REST API version >= 59.0 (env SALESFORCE_API_VERSION)")
    parser.add_argument("--dialect", help="route table: salesforce (default) or seed (env SALESFORCE_API_DIALECT)")
    parser.add_argument("--profile", help="stored login profile to use (default: the default profile)")
    parser.add_argument(
        "--read-only",
        action="store_true",
        default=None,
        help="only tools that change nothing (flow tools too, where the flow's metadata shows it)",
    )
    parser.add_argument("--include-flows", help="comma-separated ApiName globs to make tools of (env SALESFORCE_FLOWS)")
    parser.add_argument("--exclude-flows", help="comma-separated ApiName globs to leave out (SALESFORCE_EXCLUDE_FLOWS)")
    parser.add_argument("--max-flow-tools", help="above this many flows, search_flows replaces flow tools (100)")
    parser.add_argument("--refresh-interval", help="seconds between flow catalogue refreshes (300; 0: never)")
    parser.add_argument("--cache-dir", help="describe cache folder ('' disables it)")
    parser.add_argument("--call-timeout", help="seconds one tool call may take, retries included (default 45; 0: none)")
    parser.add_argument("--max-in-flight", help="requests in flight to the org at once (default 10)")
    parser.add_argument(
        "--no-flow-tools", action="store_true", default=None, help="no per-flow tools, only the ten operations"
    )
    parser.add_argument("--confirm", help="ask the user before these calls: never, writes (default) or always")
    parser.add_argument(
        "--confirm-production", action="store_true", default=None, help="ask before every call on a production org"
    )
    parser.add_argument(
        "--long-call-seconds",
        dest="long_call_bound",
        help="seconds until a call answers 'still running on the org' (default 40)",
    )
    parser.add_argument(
        "--invoke-batch-size",
        help="invoke_flow in requests of this many records when the caller asks for progress (0: one request; "
        "each batch is its own transaction)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (stderr)")


def _target(args: argparse.Namespace) -> tuple[Settings, OrgTarget]:
    """Flags over the environment, and the org they name: the one place a command turns its flags into settings."""
    from .config import load_settings, resolve_org

    settings = load_settings(vars(args))
    return settings, resolve_org(settings, flows=getattr(args, "flows", None), actions=getattr(args, "actions", None))


def cmd_serve(args: argparse.Namespace) -> int:
    from .remote.binding import BindRefusedError
    from .remote.flags import http_options
    from .runtime import NotConfiguredError, serve

    settings, org = _target(args)
    try:
        http = http_options(args) if args.transport == "http" else None
    except BindRefusedError as exc:
        print(f"salesforce-flow-mcp: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        anyio.run(serve, settings, org, args.transport, http)
    except NotConfiguredError as exc:
        print(f"salesforce-flow-mcp: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_tools(args: argparse.Namespace) -> int:
    from .runtime import NotConfiguredError, list_tools_json

    try:
        listing = anyio.run(list_tools_json, *_target(args))
    except NotConfiguredError as exc:
        print(f"salesforce-flow-mcp: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(listing, indent=2))
        return 0
    for tool in listing["tools"]:
        hints = tool.get("annotations") or {}
        kind = "read-only" if hints.get("readOnlyHint") else "changes data"
        print(f"{tool['name']:<40} {kind:<13} {tool.get('title', '')}")
    print(f"\n{len(listing['tools'])} tools. Flow tools: {listing['flowToolPolicy']}.")
    return 0


def cmd_call(args: argparse.Namespace) -> int:
    from .runtime import NotConfiguredError, call_tool_json

    try:
        arguments = json.loads(args.args) if args.args else {}
    except json.JSONDecodeError as exc:
        print(f"salesforce-flow-mcp: --args is not valid JSON: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not isinstance(arguments, dict):
        print("salesforce-flow-mcp: --args must be a JSON object", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = anyio.run(call_tool_json, *_target(args), args.tool, arguments)
    except NotConfiguredError as exc:
        print(f"salesforce-flow-mcp: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 1 if result.get("isError") else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return anyio.run(run_demo, args.dialect or "salesforce")


def cmd_org_serve(args: argparse.Namespace) -> int:
    import secrets
    from functools import partial

    from .localorg.serve import serve_org
    from .localorg.store.state import OrgStateError

    client_id = args.client_id
    client_secret = args.client_secret or secrets.token_urlsafe(24)

    def ready(base_url: str, token: str) -> None:
        # `org serve` is not an MCP process: stdout is for the person (and scripts) that started it.
        print(f"Embedded Salesforce org listening at {base_url}")
        print(f"Access token: {token}")
        print(f"Client credentials: {client_id} / {client_secret} (POST {base_url}/services/oauth2/token)")
        # Quoted: a --token may hold characters the shell would read (an org's session ids contain '!').
        connect = f"SALESFORCE_INSTANCE_URL={shlex.quote(base_url)} SALESFORCE_ACCESS_TOKEN={shlex.quote(token)}"
        print(f"Connect: {connect} salesforce-flow-mcp tools")
        print("Stop with Ctrl-C.", flush=True)

    run = partial(
        serve_org,
        args.host,
        args.port,
        args.db,
        args.flows,
        args.token,
        ready,
        ssl_certfile=args.tls_cert,
        ssl_keyfile=args.tls_key,
        actions_file=args.actions,
        client_credentials=(client_id, client_secret),
        partial_save=args.partial_save,
        loop_guard=args.loop_guard,
    )
    try:
        anyio.run(run)
    except KeyboardInterrupt:
        pass
    except (OrgStateError, OSError, ValueError) as exc:
        print(f"salesforce-flow-mcp org serve: {exc}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="salesforce-flow-mcp",
        description="MCP server for Salesforce Flows, with an embedded local org (--demo).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = _command(commands, "serve", "run the MCP server (stdio by default)")
    _org_flags(serve)
    serve.add_argument("--transport", choices=["stdio", "http"], default="stdio", help="MCP transport")
    serve.add_argument("--host", default="127.0.0.1", help="with --transport http: address to bind")
    serve.add_argument("--port", type=int, default=8765, help="with --transport http: port")
    add_http_flags(serve)
    serve.set_defaults(func=cmd_serve)

    tools = _command(commands, "tools", "print the tool catalogue")
    _org_flags(tools)
    tools.add_argument("--json", action="store_true", help="print tools/list as JSON")
    tools.set_defaults(func=cmd_tools)

    call = _command(commands, "call", "call one tool and print its result")
    call.add_argument("tool", help="tool name, e.g. list_invocable_flows")
    call.add_argument("--args", default="{}", help="arguments as a JSON object")
    _org_flags(call)
    call.set_defaults(func=cmd_call)

    demo = _command(commands, "demo", "drive `serve --demo` with the official MCP client and print a transcript")
    demo.add_argument("--dialect", choices=["salesforce", "seed"], help="route table the demo server uses")
    demo.set_defaults(func=cmd_demo)

    org = commands.add_parser("org", help="the embedded local Salesforce org")
    org_commands = org.add_subparsers(dest="org_command", metavar="ORG_COMMAND")
    org_serve = _command(org_commands, "org serve", "serve the embedded org over HTTP")
    org_serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    org_serve.add_argument("--port", type=int, default=8642, help="port (0 picks a free one)")
    org_serve.add_argument("--db", help="SQLite file that keeps the org's state across restarts (default: memory)")
    org_serve.add_argument("--flows", type=Path, help="folder of *.flow-meta.xml files (default: the demo flows)")
    org_serve.add_argument("--token", help="fix the access token instead of generating one")
    org_serve.add_argument(
        "--client-id", default="EmbeddedOrg", help="client id whose secret gets tokens by the client-credentials grant"
    )
    org_serve.add_argument("--client-secret", help="fix that client's secret instead of generating one")
    org_serve.add_argument(
        "--actions", type=Path, help='JSON of canned outputs for Apex/external actions: {"apex:Name": {...}}'
    )
    org_serve.add_argument(
        "--partial-save",
        action="store_true",
        help="allow partial save of invocable actions (InvocableActionSettings.isPartialSaveAllowed; default off): "
        "a failed input of an invoke no longer rolls back the others, which may be run again up to three times",
    )
    org_serve.add_argument(
        "--loop-guard",
        type=int,
        default=100_000,
        help="executed elements after which an interview is stopped as an endless loop (not a Salesforce limit)",
    )
    org_serve.add_argument("--tls-cert", help="certificate file: serve https (for clients that require it)")
    org_serve.add_argument("--tls-key", help="private key file for --tls-cert")
    org_serve.set_defaults(func=cmd_org_serve)

    for name, handler in _auth_commands().items():
        sub = _command(commands, name, handler[0])
        handler[1](sub)
    return parser


def _auth_commands() -> dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]]:
    from .auth_cli import AUTH_COMMANDS

    return AUTH_COMMANDS


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(bool(getattr(args, "verbose", False)))
    func: Callable[[argparse.Namespace], Any] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    # `serve` starts its tuning before the settings and the MCP side are imported; the server adopts it.
    tuning = begin_startup_tuning() if func is cmd_serve else None
    try:
        return _run(func, args)
    finally:
        if tuning is not None:
            tuning.end()


def _run(func: Callable[[argparse.Namespace], Any], args: argparse.Namespace) -> int:
    from .config import SettingsError

    try:
        return int(func(args))
    except SettingsError as exc:
        for line in str(exc).splitlines():
            print(f"salesforce-flow-mcp: {line}", file=sys.stderr)
        return EXIT_USAGE
