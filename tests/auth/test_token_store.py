"""The token store: where it lives, 0600 files, profiles and the default, atomic replace, two writers at once."""

from __future__ import annotations

import multiprocessing
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock, Timeout

from salesforce_flow_mcp.auth.errors import AuthError
from salesforce_flow_mcp.auth.token_store import StoredLogin, TokenStore, store_home

ROUNDS = 150


def login(
    profile: str, token: str = "00D5g000004SFMC!first-token-value", refresh: str | None = "5Aep-first"
) -> StoredLogin:
    return StoredLogin(
        profile=profile,
        instance_url="https://acme.my.salesforce.com",
        login_url="https://login.salesforce.com",
        client_id="PlatformCLI",
        access_token=token,
        refresh_token=refresh,
    )


def test_home_follows_the_override_then_the_os_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert store_home({"SALESFORCE_FLOW_MCP_HOME": str(tmp_path / "x")}) == tmp_path / "x"
    # On Linux platformdirs follows the XDG base directory spec: $XDG_CONFIG_HOME, else ~/.config.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert store_home({}) == tmp_path / "salesforce-flow-mcp"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert store_home({}) == tmp_path / ".config" / "salesforce-flow-mcp"


def test_files_are_private_and_profiles_have_one_default(store: TokenStore) -> None:
    store.save(login("work"))
    store.save(login("sandbox"))
    assert stat.S_IMODE(store.path_for("work").stat().st_mode) == 0o600
    assert stat.S_IMODE(store.config_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.home.stat().st_mode) == 0o700
    assert store.profiles() == ["sandbox", "work"]
    assert store.default_profile() == "work"  # the first one saved
    assert store.load() == login("work")
    store.save(login("sandbox"), make_default=True)
    assert store.load() == login("sandbox")
    assert store.delete("sandbox") and not store.delete("sandbox")
    assert store.default_profile() is None and store.load() is None and store.load("work") == login("work")


def test_update_keeps_the_refresh_token_unless_a_rotated_one_comes(store: TokenStore) -> None:
    store.save(login("p"))
    kept = store.update_tokens("p", "00D5g000004SFMC!second", None)
    assert kept is not None and kept.refresh_token == "5Aep-first" and kept.access_token.endswith("second")
    rotated = store.update_tokens("p", "00D5g000004SFMC!third", "5Aep-rotated")
    assert rotated is not None and store.load("p") == rotated and rotated.refresh_token == "5Aep-rotated"
    assert store.update_tokens("gone", "x", None) is None


def test_the_repr_of_a_login_hides_its_secrets() -> None:
    text = repr(login("p"))
    assert "first-token-value" not in text and "5Aep" not in text and "acme.my.salesforce.com" in text


@pytest.mark.parametrize("name", ["../evil", "a/b", "", ".hidden", "x" * 65, "sp ace"])
def test_profile_names_cannot_escape_the_store(store: TokenStore, name: str) -> None:
    with pytest.raises(AuthError, match="Profile name"):
        store.path_for(name)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("{not json", "not JSON"),
        ('{"profile": "p"}', "missing fields"),
        (
            '{"profile": "p", "instance_url": "http://evil.example.com", "login_url": "https://login.salesforce.com",'
            ' "client_id": "c", "access_token": "t"}',
            "must use https",
        ),
    ],
)
def test_an_unreadable_file_says_what_to_do(store: TokenStore, content: str, why: str) -> None:
    store.save(login("p"))
    store.path_for("p").write_text(content)
    with pytest.raises(AuthError) as caught:
        store.load("p")
    assert why in str(caught.value) and "login` again" in str(caught.value)


def _writer(home: str, name: str, rounds: int) -> None:
    store = TokenStore(Path(home))
    filler = "x" * 4000  # big enough that a torn write would show
    for i in range(rounds):
        store.save(login("shared", f"00D5g000004SFMC!{name}-{i}-{filler}"), make_default=(i % 2 == 0))
        store.save(login(f"{name}-{i % 5}", f"00D5g000004SFMC!{name}-{i}"))
        store.update_tokens("shared", f"00D5g000004SFMC!{name}-u{i}-{filler}", f"5Aep-{name}-{i}")


@pytest.mark.slow
def test_two_processes_writing_at_once_never_corrupt_the_store(store: TokenStore) -> None:
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_writer, args=(str(store.home), name, ROUNDS)) for name in ("alpha", "beta")]
    for process in writers:
        process.start()
    reads = 0
    while any(process.is_alive() for process in writers):
        current = store.load("shared")  # raises AuthError on a torn or half-written file
        reads += current is not None
    for process in writers:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert reads > 0, "the store was never read while the writers ran: nothing was tested"
    final = store.load("shared")
    assert reads > 0, "the reader saw the profile while both wrote"
    assert final is not None and final.access_token.split("!")[1].split("-")[0] in ("alpha", "beta")
    assert sorted(store.profiles()) == sorted(["shared", *(f"{n}-{i}" for n in ("alpha", "beta") for i in range(5))])
    assert store.default_profile() == "shared"
    assert not list(store.profiles_dir.glob("*.tmp")) and not list(store.home.glob("*.tmp"))
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in store.profiles_dir.iterdir())


# Started with `import fcntl` failing, as on Windows: the package imports and the store saves, locks and loads.
_NO_FCNTL = """
import builtins, sys
real_import = builtins.__import__
def no_posix(name, *args, **kwargs):
    if name in ("fcntl", "termios", "pwd", "grp", "resource"):
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    return real_import(name, *args, **kwargs)
builtins.__import__ = no_posix
for name in ("fcntl",):
    sys.modules.pop(name, None)
import filelock
filelock.FileLock = filelock.SoftFileLock  # what filelock picks where neither fcntl nor msvcrt exists
from pathlib import Path
import salesforce_flow_mcp.cli, salesforce_flow_mcp.runtime  # the start path
from salesforce_flow_mcp.auth import token_store
from salesforce_flow_mcp.auth.token_store import StoredLogin, TokenStore
assert "fcntl" not in sys.modules, "something imported fcntl"
store = TokenStore(Path(sys.argv[1]))
login = StoredLogin("p", "https://acme.my.salesforce.com", "https://login.salesforce.com", "Cid", "00D!tok", "5Aep")
store.save(login)
with store.locked():
    store.update_tokens("p", "00D!new", None)
print(store.load("p").access_token)
"""


@pytest.mark.slow
def test_the_start_path_and_the_store_work_without_fcntl(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _NO_FCNTL, str(tmp_path / "home")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "00D!new"


def _hold_lock(home: str, held: Any, release: Any) -> None:
    store = TokenStore(Path(home))
    with store.locked():
        held.set()
        release.wait(30)


@pytest.mark.slow
def test_the_lock_is_exclusive_across_processes(store: TokenStore) -> None:
    context = multiprocessing.get_context("spawn")
    held, release = context.Event(), context.Event()
    holder = context.Process(target=_hold_lock, args=(str(store.home), held, release))
    holder.start()
    try:
        assert held.wait(60)
        blocked = FileLock(store.home / ".lock", is_singleton=False)
        with pytest.raises(Timeout):
            blocked.acquire(timeout=0.3)
        release.set()
        blocked.acquire(timeout=30)
        blocked.release()
    finally:
        release.set()
        holder.join(timeout=60)
    assert holder.exitcode == 0
