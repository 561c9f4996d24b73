"""Configuration: one `Settings` model, read from the environment by pydantic-settings with the command-line flags on
top, validated once at start; and which org the server talks to (`OrgTarget`), resolved once by the CLI.

A bad value is a `SettingsError` whose message is one line per bad setting: the setting as the user wrote it (the env
variable or the flag), the value, and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from . import defaults
from .aliases import Dialect

ConfirmMode = Literal["never", "writes", "always"]
CONFIRM_MODES: tuple[ConfirmMode, ...] = get_args(ConfirmMode)

DEFAULT_LOGIN_URL = "https://login.salesforce.com"
_SECRETS = frozenset({"access_token", "refresh_token", "client_secret"})


class SettingsError(ValueError):
    """A setting with a value that is not allowed; the message names it, its value and what would do."""


class Settings(BaseSettings):
    """Every setting, with the environment variable it is read from (flags use the field name, `--max-flow-tools`)."""

    model_config = SettingsConfigDict(
        frozen=True, case_sensitive=True, populate_by_name=True, extra="ignore", hide_input_in_errors=True
    )

    instance_url: str | None = Field(None, validation_alias="SALESFORCE_INSTANCE_URL")
    access_token: str | None = Field(None, validation_alias="SALESFORCE_ACCESS_TOKEN", repr=False)
    refresh_token: str | None = Field(None, validation_alias="SALESFORCE_REFRESH_TOKEN", repr=False)
    client_id: str | None = Field(None, validation_alias="SALESFORCE_CLIENT_ID")
    client_secret: str | None = Field(None, validation_alias="SALESFORCE_CLIENT_SECRET", repr=False)
    login_url: str = Field(DEFAULT_LOGIN_URL, validation_alias="SALESFORCE_LOGIN_URL")
    username: str | None = Field(None, validation_alias="SALESFORCE_USERNAME")
    jwt_key_file: str | None = Field(None, validation_alias="SALESFORCE_JWT_KEY_FILE")
    target_org: str | None = Field(None, validation_alias="SALESFORCE_TARGET_ORG")  # an sf CLI alias or username
    # A pinned REST API version; None: the newest the org offers (salesforce/api_versions.py), never below 59.0.
    api_version: str | None = Field(None, validation_alias="SALESFORCE_API_VERSION", pattern=r"^\d{2,3}\.0$")
    dialect: Dialect = Field("salesforce", validation_alias="SALESFORCE_API_DIALECT")
    include_flows: Annotated[tuple[str, ...], NoDecode] = Field((), validation_alias="SALESFORCE_FLOWS")
    exclude_flows: Annotated[tuple[str, ...], NoDecode] = Field((), validation_alias="SALESFORCE_EXCLUDE_FLOWS")
    read_only: bool = Field(False, validation_alias="SALESFORCE_READ_ONLY")
    profile: str | None = Field(None, validation_alias="SALESFORCE_PROFILE")  # checked by the token store
    no_flow_tools: bool = Field(False, validation_alias="SALESFORCE_NO_FLOW_TOOLS")
    max_flow_tools: int = Field(defaults.MAX_FLOW_TOOLS, ge=0, validation_alias="SALESFORCE_MAX_FLOW_TOOLS")
    refresh_interval: float = Field(
        defaults.REFRESH_INTERVAL, ge=0, validation_alias="SALESFORCE_REFRESH_INTERVAL"
    )  # 0: on demand only
    # Describe cache folder ("" = no cache; None = the user's cache folder).
    cache_dir: str | None = Field(None, validation_alias="SALESFORCE_FLOW_MCP_CACHE")
    # Seconds tools/list waits for the first flow catalogue before answering without it.
    catalogue_wait: float = Field(defaults.CATALOGUE_WAIT, ge=0, validation_alias="SALESFORCE_CATALOGUE_WAIT")
    # Seconds one tool call may take, retries included (0: no limit); requests in flight to the org at once.
    call_timeout: float = Field(defaults.CALL_TIMEOUT, ge=0, validation_alias="SALESFORCE_CALL_TIMEOUT")
    max_in_flight: int = Field(defaults.MAX_IN_FLIGHT, ge=1, validation_alias="SALESFORCE_MAX_IN_FLIGHT")
    # Which tool calls ask the user first (elicitation, when the client can); also every call on a production org.
    confirm: ConfirmMode = Field("writes", validation_alias="SALESFORCE_CONFIRM")
    confirm_production: bool = Field(False, validation_alias="SALESFORCE_CONFIRM_PRODUCTION")
    # Seconds: a call still running then answers "still running on the org".
    long_call_bound: float = Field(defaults.LONG_CALL_BOUND, gt=0, validation_alias="SALESFORCE_LONG_CALL_SECONDS")
    # invoke_flow records per request when the caller asks for progress; 0: all records in one request.
    invoke_batch_size: int = Field(defaults.INVOKE_BATCH_SIZE, ge=0, validation_alias="SALESFORCE_INVOKE_BATCH_SIZE")
    progress_interval: float = Field(
        defaults.PROGRESS_INTERVAL, ge=0, validation_alias="SALESFORCE_PROGRESS_INTERVAL"
    )  # seconds between progress notifications
    demo: bool = Field(False, validation_alias="SALESFORCE_DEMO")  # the embedded org (a bundle's user_config sets it)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings)  # flags over the environment; no .env file, no secrets folder

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any, info: Any) -> Any:
        # An empty variable means "not set" (hosts fill unset user_config fields with ""), except the cache folder,
        # where "" turns the cache off.
        if isinstance(value, str) and not value.strip() and info.field_name != "cache_dir":
            default = cls.model_fields[info.field_name].default
            return default
        return value.strip() if isinstance(value, str) and info.field_name not in _SECRETS else value

    @field_validator("include_flows", "exclude_flows", mode="before")
    @classmethod
    def _split_globs(cls, value: Any) -> Any:
        return tuple(part.strip() for part in value.split(",") if part.strip()) if isinstance(value, str) else value

    @field_validator("api_version", mode="before")
    @classmethod
    def _no_v(cls, value: Any) -> Any:
        return value.removeprefix("v") if isinstance(value, str) else value

    @field_validator("api_version")
    @classmethod
    def _not_below_the_oldest_spoken(cls, value: str | None) -> str | None:
        if value is not None and float(value) < float(defaults.API_VERSION):
            raise ValueError(f"below {defaults.API_VERSION}")
        return value

    @field_validator("dialect", "confirm", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @property
    def flow_tools(self) -> bool:
        """One tool per invocable flow (`--no-flow-tools` / SALESFORCE_NO_FLOW_TOOLS turn them off)."""
        return not self.no_flow_tools

    def replaced(self, **changes: Any) -> Settings:
        """A copy with some settings changed, validated like the original."""
        return load_settings(changes, base=self)


# What each setting allows, as the one-line error says it.
ALLOWED: dict[str, str] = {
    "api_version": f"a REST API version of {defaults.API_VERSION} or later such as 62.0 (unset: the org's newest)",
    "dialect": "'salesforce' (what a real org serves) or 'seed' (the seed spec's paths)",
    "read_only": "true or false (1/0, yes/no, on/off)",
    "no_flow_tools": "true or false (1/0, yes/no, on/off)",
    "demo": "true or false (1/0, yes/no, on/off)",
    "max_flow_tools": "a whole number of 0 or more, e.g. 100",
    "refresh_interval": "seconds as a number of 0 or more (0: refresh on demand only), e.g. 300",
    "catalogue_wait": "seconds as a number of 0 or more, e.g. 10",
    "call_timeout": "seconds as a number of 0 or more (0: no limit), e.g. 45",
    "max_in_flight": "a whole number of 1 or more, e.g. 10",
    "confirm": "never, writes (the default) or always",
    "confirm_production": "true or false (1/0, yes/no, on/off)",
    "long_call_bound": "seconds as a number above 0, e.g. 50",
    "invoke_batch_size": "a whole number of 0 or more (0: one request), e.g. 10",
    "progress_interval": "seconds as a number of 0 or more, e.g. 1",
}


def env_name(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    return alias if isinstance(alias, str) else field.upper()


_FLAGS = {"long_call_bound": "--long-call-seconds"}  # flags not named after their field


def flag_name(field: str) -> str:
    return _FLAGS.get(field) or "--" + field.replace("_", "-")


def load_settings(flags: Mapping[str, Any] | None = None, *, base: Settings | None = None) -> Settings:
    """The settings: `flags` (keyed by field name; None means not given) over `base` or, without one, the environment.

    Raises SettingsError with one line per bad value.
    """
    given = {k: v for k, v in (flags or {}).items() if k in Settings.model_fields and v is not None}
    try:
        if base is None:
            return Settings(**given)
        return Settings.model_validate({**base.model_dump(), **given})
    except ValidationError as exc:
        raise SettingsError("\n".join(_describe(error, given) for error in exc.errors())) from None


def _describe(error: Any, given: Mapping[str, Any]) -> str:
    where = str(error["loc"][0]) if error["loc"] else "?"
    field = next((f for f in Settings.model_fields if where in (f, env_name(f))), where)
    name = flag_name(field) if field in given else env_name(field)
    value = given.get(field, error.get("input"))
    shown = "(hidden)" if field in _SECRETS else repr(value) if value is not None else "(this value)"
    allowed = ALLOWED.get(field) or str(error.get("msg", "not allowed")).lower()
    return f"{name}={shown} is not allowed: use {allowed}."


# -- which org -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EmbeddedOrg:
    """`--demo`: the embedded org, in-process; its flows from `flows_dir` (None: its demo flows), Apex and other
    actions it cannot run answered from the stubs in `actions_file`."""

    flows_dir: Path | None = None
    actions_file: Path | None = None


@dataclass(frozen=True)
class RemoteOrg:
    """An org reached over the network (a real org, or `org serve`) with the sign-in the settings configure."""


OrgTarget = EmbeddedOrg | RemoteOrg


def resolve_org(settings: Settings, *, flows: Path | None = None, actions: Path | None = None) -> OrgTarget:
    """The org a command runs against; SettingsError when the flags do not fit together or name missing files."""
    if not settings.demo:
        extra = [flag for flag, value in (("--flows", flows), ("--actions", actions)) if value is not None]
        if extra:
            verb = "apply" if len(extra) > 1 else "applies"
            raise SettingsError(
                f"{' and '.join(extra)} {verb} only to the embedded org: add --demo (or serve your flows with "
                "`salesforce-flow-mcp org serve --flows DIR`)."
            )
        return RemoteOrg()
    if flows is not None:
        if not flows.is_dir():
            raise SettingsError(f"--flows={str(flows)!r} is not a folder: use a folder of *.flow-meta.xml files.")
        if not any(flows.rglob("*.flow-meta.xml")):  # as the org reads it: a retrieved project's folders too
            raise SettingsError(f"--flows={str(flows)!r} holds no *.flow-meta.xml files: use the folder that has them.")
    if actions is not None and not actions.is_file():
        raise SettingsError(f"--actions={str(actions)!r} is not a file: use a JSON file of action stubs.")
    return EmbeddedOrg(flows, actions)


def for_org(settings: Settings, org: OrgTarget) -> Settings:
    """Settings as they apply to `org`: the embedded org keeps no describe cache unless one is asked for."""
    if isinstance(org, EmbeddedOrg) and settings.cache_dir is None:
        return settings.model_copy(update={"cache_dir": ""})
    return settings
