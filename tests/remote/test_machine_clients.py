"""The machine-clients file: each mistake is refused at start with the entry and field it is in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from salesforce_flow_mcp.remote.machine import MachineClientsError, load_machine_clients

SECRET = "a-machine-secret-0123456789"


def entry(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "client_id": "ci-agent",
        "client_secret": "env:CI_SECRET",
        "salesforce": {"grant": "client_credentials", "client_id": "App", "client_secret": "env:APP_SECRET"},
    }
    return {**base, **changes}


def load(tmp_path: Path, clients: list[dict[str, Any]], env: dict[str, str] | None = None) -> Any:
    path = tmp_path / "machines.json"
    path.write_text(json.dumps({"clients": clients}))
    return load_machine_clients(path, {"CI_SECRET": SECRET, "APP_SECRET": "s", **(env or {})})


def test_a_good_file_keeps_only_the_secret_digest(tmp_path: Path) -> None:
    clients = load(tmp_path, [entry()])
    client = clients["ci-agent"]
    assert client.secret_matches(SECRET) and not client.secret_matches(SECRET + "x")
    assert SECRET.encode() not in repr(client).encode() and client.subject == "client:ci-agent"
    assert client.salesforce.client_secret == "s"


@pytest.mark.parametrize(
    ("clients", "env", "message"),
    [
        ([entry(client_secret="plain-text-secret-123456")], {}, "client_secret"),
        ([entry(client_secret="env:MISSING")], {}, "MISSING, which is not set"),
        ([entry(), entry()], {}, "listed twice"),
        ([entry(client_secret="sha256:abcd")], {}, "64 hex digits"),
        ([entry(salesforce={"grant": "jwt_bearer", "client_id": "App"})], {}, "username and key_file"),
        ([entry(salesforce={"grant": "nonsense"})], {}, "salesforce.grant"),
        ([entry(extra=1)], {}, "extra"),
        ([entry()], {"CI_SECRET": "short"}, "at least 16 characters"),
    ],
)
def test_mistakes_are_named(tmp_path: Path, clients: list[dict[str, Any]], env: dict[str, str], message: str) -> None:
    with pytest.raises(MachineClientsError, match=message):
        load(tmp_path, clients, env)


def test_an_unreadable_or_non_json_file(tmp_path: Path) -> None:
    with pytest.raises(MachineClientsError, match="cannot read"):
        load_machine_clients(tmp_path / "absent.json", {})
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(MachineClientsError, match="not JSON"):
        load_machine_clients(tmp_path / "bad.json", {})
