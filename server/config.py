"""Configuration: environment variables (DESIGN.md's configuration contract), overridden by command-line flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal, get_args

from . import defaults
from .aliases import DIALECTS, Dialect

ConfirmMode = Literal["never", "writes", "always"]
CONFIRM_MODES: tuple[ConfirmMode, ...] = get_args(ConfirmMode)

DEFAULT_LOGIN_URL = "https://login.salesforce.com"


def _split_globs(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    instance_url: str | None = None
    access_token: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    login_url: str = DEFAULT_LOGIN_URL
    username: str | None = None
    jwt_key_file: str | None = None
    api_version: str = defaults.API_VERSION
    dialect: Dialect = "salesforce"
    include_flows: tuple[str, ...] = ()
    exclude_flows: tuple[str, ...] = ()
    read_only: bool = False
    profile: str | None = None  # named login profile in the token store (None = the default profile)
    flow_tools: bool = True  # one tool per invocable flow
    max_flow_tools: int = defaults.MAX_FLOW_TOOLS
    refresh_interval: float = defaults.REFRESH_INTERVAL
    cache_dir: str | None = None  # describe cache folder ("" = no cache; None = the user's cache folder)
    demo_actions: str | None = None  # --demo: JSON file of canned outputs for actions the embedded org cannot run
    catalogue_wait: float = defaults.CATALOGUE_WAIT
    call_timeout: float = defaults.CALL_TIMEOUT  # seconds one tool call may take, retries included; 0 = none
    max_in_flight: int = defaults.MAX_IN_FLIGHT  # requests in flight to the org at once
    confirm: ConfirmMode = "writes"  # which tool calls ask the user first (through elicitation, when the client can)
    confirm_production: bool = False  # also ask before every call on a production org (not a sandbox)
    long_call_bound: float = defaults.LONG_CALL_BOUND  # a call still running then answers "still running on the org"
    invoke_batch_size: int = defaults.INVOKE_BATCH_SIZE  # 0: invoke_flow sends its records in one request
    progress_interval: float = defaults.PROGRESS_INTERVAL

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        dialect = env.get("SALESFORCE_API_DIALECT", "salesforce").strip().lower() or "salesforce"
        if dialect not in DIALECTS:
            raise ValueError(f"SALESFORCE_API_DIALECT must be 'salesforce' or 'seed', not {dialect!r}")
        confirm = (env.get("SALESFORCE_CONFIRM") or "writes").strip().lower()
        if confirm not in CONFIRM_MODES:
            raise ValueError(f"SALESFORCE_CONFIRM must be one of {', '.join(CONFIRM_MODES)}, not {confirm!r}")
        return cls(
            instance_url=env.get("SALESFORCE_INSTANCE_URL") or None,
            access_token=env.get("SALESFORCE_ACCESS_TOKEN") or None,
            refresh_token=env.get("SALESFORCE_REFRESH_TOKEN") or None,
            client_id=env.get("SALESFORCE_CLIENT_ID") or None,
            client_secret=env.get("SALESFORCE_CLIENT_SECRET") or None,
            login_url=env.get("SALESFORCE_LOGIN_URL") or DEFAULT_LOGIN_URL,
            username=env.get("SALESFORCE_USERNAME") or None,
            jwt_key_file=env.get("SALESFORCE_JWT_KEY_FILE") or None,
            api_version=(env.get("SALESFORCE_API_VERSION") or defaults.API_VERSION).removeprefix("v"),
            dialect=dialect,  # type: ignore[arg-type]
            include_flows=_split_globs(env.get("SALESFORCE_FLOWS")),
            exclude_flows=_split_globs(env.get("SALESFORCE_EXCLUDE_FLOWS")),
            read_only=_flag(env.get("SALESFORCE_READ_ONLY")),
            profile=env.get("SALESFORCE_PROFILE") or None,
            flow_tools=not _flag(env.get("SALESFORCE_NO_FLOW_TOOLS")),
            max_flow_tools=int(env.get("SALESFORCE_MAX_FLOW_TOOLS") or defaults.MAX_FLOW_TOOLS),
            refresh_interval=float(env.get("SALESFORCE_REFRESH_INTERVAL") or defaults.REFRESH_INTERVAL),
            cache_dir=env.get("SALESFORCE_FLOW_MCP_CACHE"),
            catalogue_wait=float(env.get("SALESFORCE_CATALOGUE_WAIT") or defaults.CATALOGUE_WAIT),
            demo_actions=env.get("SALESFORCE_DEMO_ACTIONS") or None,
            call_timeout=float(env.get("SALESFORCE_CALL_TIMEOUT") or defaults.CALL_TIMEOUT),
            max_in_flight=int(env.get("SALESFORCE_MAX_IN_FLIGHT") or defaults.MAX_IN_FLIGHT),
            confirm=confirm,  # type: ignore[arg-type]
            confirm_production=_flag(env.get("SALESFORCE_CONFIRM_PRODUCTION")),
            long_call_bound=float(env.get("SALESFORCE_LONG_CALL_SECONDS") or defaults.LONG_CALL_BOUND),
            invoke_batch_size=int(env.get("SALESFORCE_INVOKE_BATCH_SIZE") or defaults.INVOKE_BATCH_SIZE),
            progress_interval=float(env.get("SALESFORCE_PROGRESS_INTERVAL") or defaults.PROGRESS_INTERVAL),
        )

    def with_overrides(self, **overrides: Any) -> Settings:
        """Flags win over the environment; a flag left unset (None) keeps the environment's value."""
        known = {f.name for f in fields(self)}
        return replace(self, **{k: v for k, v in overrides.items() if k in known and v is not None})
