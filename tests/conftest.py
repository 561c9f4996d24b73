"""Fixtures for every test folder (helpers that are plain functions are in tests/support.py)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from salesforce_flow_mcp.auth import masking

REPO = Path(__file__).resolve().parent.parent
# What tools other than the tests write into the checkout (make install, make typecheck, pytest itself).
_NOT_TESTS = (".venv/", "node_modules/", ".pytest_cache/", ".mypy_cache/", ".ruff_cache/", "build/typecheck/")
_BEFORE = pytest.StashKey[set[str] | None]()
SLOW_TIMEOUT = 180  # seconds for a test marked slow (it starts processes); the others get pyproject's `timeout`


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("slow") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(SLOW_TIMEOUT))


def _files_beside_the_sources() -> set[str] | None:
    """Untracked and ignored paths in the checkout (None outside a git checkout)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--ignored", "--untracked-files=all"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    paths = {line[3:] for line in done.stdout.splitlines() if line[:2] in ("??", "!!")}
    return {p for p in paths if "__pycache__" not in p and not p.startswith(_NOT_TESTS)}


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_BEFORE] = _files_beside_the_sources()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """No test writes into the source tree: a file that appeared in the checkout during the run fails it."""
    before, after = session.config.stash.get(_BEFORE, None), _files_beside_the_sources()
    if before is None or after is None or not (new := sorted(after - before)):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"tests wrote into the source tree (write to tmp_path instead): {', '.join(new)}", red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _fresh_secret_registry() -> Iterator[None]:
    """Each test starts with no registered secrets: one that passes only because an earlier test registered (and so
    masked) a value would hide a leak."""
    _forget_secrets()
    yield
    _forget_secrets()


def _forget_secrets() -> None:
    # The registry has no public way to forget: the server never needs one, so the tests reach in.
    with masking._registered_lock:
        masking._registered.clear()
