"""Fixtures for the auth tests: the embedded org, a token store in a temp dir, no real home or SALESFORCE_* env."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from salesforce_flow_mcp.auth.token_store import TokenStore

from .helpers import Org, make_org


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test may read or write the real ~/.config, or see the developer's SALESFORCE_* variables."""
    for name in list(os.environ):
        if name.startswith("SALESFORCE_"):
            monkeypatch.delenv(name)
    home = tmp_path / "sfmcp-home"
    monkeypatch.setenv("SALESFORCE_FLOW_MCP_HOME", str(home))
    return home


@pytest.fixture
def org() -> Iterator[Org]:
    made = make_org()
    yield made
    made.state.close()


@pytest.fixture
def store(_isolated_home: Path) -> TokenStore:
    return TokenStore(_isolated_home)


@pytest.fixture
def captured_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog
