"""Every setting is checked at start: a bad value is one line naming the setting as the user wrote it (env variable
or flag), the value, and what is allowed; flags that do not fit together are refused the same way."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from salesforce_flow_mcp.config import (
    EmbeddedOrg,
    RemoteOrg,
    Settings,
    SettingsError,
    for_org,
    load_settings,
    resolve_org,
)
from salesforce_flow_mcp.localorg.flows.parse.loader import load_flow_dir

ROOT = Path(__file__).resolve().parent.parent

BAD_ENV = [
    (
        "SALESFORCE_MAX_FLOW_TOOLS",
        "lots",
        "SALESFORCE_MAX_FLOW_TOOLS='lots' is not allowed: use a whole number of 0 or more, e.g. 100.",
    ),
    (
        "SALESFORCE_MAX_FLOW_TOOLS",
        "-3",
        "SALESFORCE_MAX_FLOW_TOOLS='-3' is not allowed: use a whole number of 0 or more, e.g. 100.",
    ),
    (
        "SALESFORCE_REFRESH_INTERVAL",
        "hourly",
        "SALESFORCE_REFRESH_INTERVAL='hourly' is not allowed: use seconds as a "
        "number of 0 or more (0: refresh on demand only), e.g. 300.",
    ),
    (
        "SALESFORCE_CATALOGUE_WAIT",
        "-1",
        "SALESFORCE_CATALOGUE_WAIT='-1' is not allowed: use seconds as a number of 0 or more, e.g. 10.",
    ),
    (
        "SALESFORCE_API_VERSION",
        "latest",
        "SALESFORCE_API_VERSION='latest' is not allowed: use a REST API version of 59.0 or later such as 62.0 "
        "(unset: the org's newest).",
    ),
    (
        "SALESFORCE_API_DIALECT",
        "rest",
        "SALESFORCE_API_DIALECT='rest' is not allowed: use 'salesforce' (what a real "
        "org serves) or 'seed' (the seed spec's paths).",
    ),
    (
        "SALESFORCE_READ_ONLY",
        "maybe",
        "SALESFORCE_READ_ONLY='maybe' is not allowed: use true or false (1/0, yes/no, on/off).",
    ),
    (
        "SALESFORCE_NO_FLOW_TOOLS",
        "perhaps",
        "SALESFORCE_NO_FLOW_TOOLS='perhaps' is not allowed: use true or false (1/0, yes/no, on/off).",
    ),
    ("SALESFORCE_DEMO", "sure", "SALESFORCE_DEMO='sure' is not allowed: use true or false (1/0, yes/no, on/off)."),
]

BAD_FLAGS = [
    ({"max_flow_tools": "lots"}, "--max-flow-tools='lots' is not allowed: use a whole number of 0 or more, e.g. 100."),
    (
        {"refresh_interval": "-1"},
        "--refresh-interval='-1' is not allowed: use seconds as a number of 0 or more (0: refresh on demand only), "
        "e.g. 300.",
    ),
    (
        {"api_version": "v5"},
        "--api-version='v5' is not allowed: use a REST API version of 59.0 or later such as 62.0 (unset: the org's "
        "newest).",
    ),
    (
        {"api_version": "58.0"},
        "--api-version='58.0' is not allowed: use a REST API version of 59.0 or later such as 62.0 (unset: the "
        "org's newest).",
    ),
    (
        {"dialect": "x"},
        "--dialect='x' is not allowed: use 'salesforce' (what a real org serves) or 'seed' (the seed spec's paths).",
    ),
]


@pytest.fixture(autouse=True)
def no_salesforce_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SALESFORCE_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize(("name", "value", "message"), BAD_ENV, ids=[f"{n}={v}" for n, v, _ in BAD_ENV])
def test_a_bad_environment_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings({})
    assert str(caught.value) == message


@pytest.mark.parametrize(("flags", "message"), BAD_FLAGS, ids=[next(iter(f)) for f, _ in BAD_FLAGS])
def test_a_bad_flag_names_the_flag(flags: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(flags)
    assert str(caught.value) == message


def test_a_flag_wins_over_the_environment_and_is_what_a_bad_value_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESFORCE_MAX_FLOW_TOOLS", "7")
    assert load_settings({}).max_flow_tools == 7
    assert load_settings({"max_flow_tools": "9"}).max_flow_tools == 9
    with pytest.raises(SettingsError, match=r"^--max-flow-tools='x'"):
        load_settings({"max_flow_tools": "x"})


def test_secrets_are_never_echoed_in_a_settings_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESFORCE_ACCESS_TOKEN", "00Dsecret!value")
    monkeypatch.setenv("SALESFORCE_MAX_FLOW_TOOLS", "many")
    with pytest.raises(SettingsError) as caught:
        load_settings({})
    assert "00Dsecret" not in str(caught.value)


def test_good_values_parse_as_documented(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESFORCE_FLOWS", " Quote_*, Route_* ,")
    monkeypatch.setenv("SALESFORCE_READ_ONLY", "yes")
    monkeypatch.setenv("SALESFORCE_API_VERSION", "v62.0")
    monkeypatch.setenv("SALESFORCE_API_DIALECT", "SEED")
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", "")  # a host's unset user_config field arrives as ""
    monkeypatch.setenv("SALESFORCE_FLOW_MCP_CACHE", "")  # ... but here "" turns the cache off
    settings = load_settings({"no_flow_tools": True})
    assert settings.include_flows == ("Quote_*", "Route_*")
    assert settings.read_only is True and settings.api_version == "62.0" and settings.dialect == "seed"
    assert settings.instance_url is None and settings.cache_dir == "" and settings.flow_tools is False


def test_flows_and_actions_need_the_embedded_org(tmp_path: Path) -> None:
    remote = Settings()
    assert resolve_org(remote) == RemoteOrg()
    with pytest.raises(SettingsError) as caught:
        resolve_org(remote, flows=tmp_path)
    assert str(caught.value) == (
        "--flows applies only to the embedded org: add --demo (or serve your flows with "
        "`salesforce-flow-mcp org serve --flows DIR`)."
    )
    with pytest.raises(SettingsError, match=r"^--flows and --actions apply only to the embedded org"):
        resolve_org(remote, flows=tmp_path, actions=tmp_path / "a.json")


def test_a_missing_or_empty_flows_folder_is_an_error(tmp_path: Path) -> None:
    demo = Settings(demo=True)
    missing = tmp_path / "missing"
    with pytest.raises(SettingsError) as caught:
        resolve_org(demo, flows=missing)
    assert str(caught.value) == f"--flows={str(missing)!r} is not a folder: use a folder of *.flow-meta.xml files."
    with pytest.raises(SettingsError, match=r"holds no \*\.flow-meta\.xml files"):
        resolve_org(demo, flows=tmp_path)
    with pytest.raises(SettingsError, match="is not a file: use a JSON file of action stubs"):
        resolve_org(demo, actions=tmp_path / "stubs.json")


def test_a_flows_folder_with_the_flows_in_subfolders_is_served(tmp_path: Path) -> None:
    """A retrieved project keeps its flows under force-app/main/default/flows; the org reads the folder recursively
    (localorg load_flow_dir), so --flows accepts the project folder as the org would read it."""
    nested = tmp_path / "force-app" / "main" / "default" / "flows"
    nested.mkdir(parents=True)
    source = next((ROOT / "tests" / "data" / "flows-corpus").rglob("*.flow-meta.xml"))
    (nested / source.name).write_bytes(source.read_bytes())
    assert resolve_org(Settings(demo=True), flows=tmp_path) == EmbeddedOrg(tmp_path, None)
    assert [flow.api_name for flow in load_flow_dir(tmp_path)] == [source.name.removesuffix(".flow-meta.xml")]


def test_the_embedded_org_keeps_no_describe_cache_unless_asked() -> None:
    org = resolve_org(Settings(demo=True))
    assert org == EmbeddedOrg()
    assert for_org(Settings(), org).cache_dir == ""
    assert for_org(Settings(cache_dir="/tmp/c"), org).cache_dir == "/tmp/c"
    assert for_org(Settings(), RemoteOrg()).cache_dir is None


@pytest.mark.slow
def test_the_cli_prints_one_line_and_exits_2_instead_of_a_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESFORCE_")}
    env["SALESFORCE_MAX_FLOW_TOOLS"] = "lots"
    done = subprocess.run(
        [sys.executable, "-m", "salesforce_flow_mcp", "serve", "--demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "salesforce-flow-mcp: SALESFORCE_MAX_FLOW_TOOLS='lots' is not allowed: use a whole number of 0 or more, "
        "e.g. 100."
    ]
    assert done.stdout == ""
    missing = subprocess.run(
        [sys.executable, "-m", "salesforce_flow_mcp", "tools", "--demo", "--flows", str(tmp_path / "nope")],
        env={k: v for k, v in env.items() if k != "SALESFORCE_MAX_FLOW_TOOLS"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2 and "is not a folder" in missing.stderr and "Traceback" not in missing.stderr


def test_the_describe_cache_lives_in_the_os_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from salesforce_flow_mcp.salesforce.describe_cache import default_cache_dir

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # on Linux platformdirs follows the XDG spec
    assert default_cache_dir() == tmp_path / "salesforce-flow-mcp"
