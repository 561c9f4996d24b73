"""Stored logins: one JSON file per org profile, readable only by the user, replaced atomically, under a file lock.

Layout under the store's home (`SALESFORCE_FLOW_MCP_HOME`, else the user's config folder from platformdirs:
`$XDG_CONFIG_HOME/salesforce-flow-mcp` or `~/.config/salesforce-flow-mcp` on Linux, `~/Library/Application
Support/salesforce-flow-mcp` on macOS, `%APPDATA%\\salesforce-flow-mcp` on Windows):

    profiles/<name>.json   one login per profile (mode 0600 on POSIX; on Windows the profile folder's ACL, which
                           only the user and administrators can read, is what protects it)
    config.json            {"default_profile": "<name>"}
    .lock                  the filelock target: every write, and a refresh from read to write, holds it exclusively,
                           across processes (flock on POSIX, msvcrt.locking on Windows, both through filelock)

A write goes to a temp file in the same directory, is fsynced, then `os.replace`d over the old file, so a reader (or
a process that crashed mid-write) only ever sees a whole old file or a whole new one. Plain readers take no lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs
from filelock import FileLock

from ..urls import UnsafeURLError, require_safe_url
from .errors import AuthError

APP_DIR_NAME = "salesforce-flow-mcp"
HOME_ENV = "SALESFORCE_FLOW_MCP_HOME"
DEFAULT_PROFILE_NAME = "default"
FILE_MODE = 0o600
DIR_MODE = 0o700
_PROFILE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_FORMAT_VERSION = 1


def store_home(env: dict[str, str] | None = None) -> Path:
    """The store's directory: SALESFORCE_FLOW_MCP_HOME, else the user's config folder of this OS (platformdirs)."""
    env = dict(os.environ) if env is None else env
    if env.get(HOME_ENV):
        return Path(env[HOME_ENV]).expanduser()
    return Path(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False, roaming=True))


def check_profile_name(name: str) -> str:
    if not _PROFILE_RE.match(name):
        raise AuthError(
            f"Profile name {name!r} is not allowed: use 1-64 letters, digits, '_', '.' or '-', starting with a letter "
            "or digit."
        )
    return name


@dataclass(frozen=True)
class StoredLogin:
    """What `login` keeps for one org. Secrets are hidden from repr."""

    profile: str
    instance_url: str
    login_url: str
    client_id: str
    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)
    identity_url: str | None = None  # the token response's `id`: .../id/<orgId>/<userId>
    issued_at: str | None = None
    scope: str | None = None

    def with_tokens(self, access_token: str, refresh_token: str | None) -> StoredLogin:
        """A copy with a new access token; the refresh token changes only when a rotated one came back."""
        return replace(self, access_token=access_token, refresh_token=refresh_token or self.refresh_token)

    def to_json(self) -> dict[str, Any]:
        return {"version": _FORMAT_VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, data: Any, where: Path) -> StoredLogin:
        names = {f.name for f in fields(cls)}
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("instance_url", "login_url")):
            raise _unreadable(where, "missing fields")
        values = {k: v for k, v in data.items() if k in names}
        for required in ("profile", "client_id", "access_token"):
            if not isinstance(values.get(required), str) or not values[required]:
                raise _unreadable(where, f"no {required}")
        try:
            values["instance_url"] = require_safe_url(values["instance_url"], "stored instance_url")
            values["login_url"] = require_safe_url(values["login_url"], "stored login_url")
        except UnsafeURLError as exc:
            raise _unreadable(where, str(exc)) from exc
        return cls(**values)


def _unreadable(where: Path, why: str) -> AuthError:
    return AuthError(
        f"The stored login {where} is unreadable ({why}). Run `salesforce-flow-mcp login` again, or delete the file."
    )


class TokenStore:
    """Profiles of stored logins. All methods are blocking (file I/O, flock): call them from a worker thread in
    async code (`anyio.to_thread.run_sync`)."""

    def __init__(self, home: Path | None = None, *, before_replace: Callable[[Path], None] | None = None) -> None:
        self.home = home if home is not None else store_home()
        # One lock object per store: re-entrant in the thread that holds it (a refresh holds it while it writes),
        # exclusive against other threads and processes.
        self._lock = FileLock(self.home / ".lock", mode=FILE_MODE, is_singleton=False)
        # Fault-injection point for tests: called with the fsynced temp file just before it replaces the real one.
        self._before_replace = before_replace

    # -- paths ----------------------------------------------------------------------------------------------------
    @property
    def profiles_dir(self) -> Path:
        return self.home / "profiles"

    @property
    def config_path(self) -> Path:
        return self.home / "config.json"

    def path_for(self, profile: str) -> Path:
        return self.profiles_dir / f"{check_profile_name(profile)}.json"

    # -- reading --------------------------------------------------------------------------------------------------
    def profiles(self) -> list[str]:
        if not self.profiles_dir.is_dir():
            return []
        return sorted(p.stem for p in self.profiles_dir.glob("*.json") if _PROFILE_RE.match(p.stem))

    def default_profile(self) -> str | None:
        data = self._read_json(self.config_path)
        name = data.get("default_profile") if isinstance(data, dict) else None
        return name if isinstance(name, str) and _PROFILE_RE.match(name) else None

    def resolve(self, profile: str | None) -> str:
        """The profile a command means: the one named, else the default one, else `default`."""
        if profile:
            return check_profile_name(profile)
        return self.default_profile() or DEFAULT_PROFILE_NAME

    def load(self, profile: str | None = None) -> StoredLogin | None:
        """The stored login of `profile` (None: the default profile), or None when there is none."""
        name = self.resolve(profile)
        path = self.path_for(name)
        data = self._read_json(path)
        if data is None:
            return None
        login = StoredLogin.from_json(data, path)
        return login if login.profile == name else replace(login, profile=name)

    def _read_json(self, path: Path) -> Any:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise _unreadable(path, exc.strerror or type(exc).__name__) from exc
        try:
            return json.loads(text)
        except ValueError as exc:
            raise _unreadable(path, "not JSON") from exc

    # -- writing --------------------------------------------------------------------------------------------------
    def save(self, login: StoredLogin, *, make_default: bool = False, default_if_none: bool = True) -> Path:
        """Write (or replace) a profile. It becomes the default when asked, or when there is no default yet (unless
        `default_if_none` is False: what a SALESFORCE_REFRESH_TOKEN became is never anyone's default login)."""
        path = self.path_for(login.profile)
        with self._locked():
            self._write_json(path, login.to_json())
            if make_default or (default_if_none and self.default_profile() is None):
                self._write_json(self.config_path, {"default_profile": login.profile})
        return path

    def update_tokens(self, profile: str, access_token: str, refresh_token: str | None) -> StoredLogin | None:
        """Read-modify-write of one profile's tokens under the lock; None when the profile was deleted meanwhile."""
        with self._locked():
            current = self.load(profile)
            if current is None:
                return None
            updated = current.with_tokens(access_token, refresh_token)
            self._write_json(self.path_for(current.profile), updated.to_json())
            return updated

    def delete(self, profile: str) -> bool:
        """Remove a profile (and the default pointer when it named it). True when something was deleted."""
        path = self.path_for(profile)
        with self._locked():
            try:
                path.unlink()
                deleted = True
            except FileNotFoundError:
                deleted = False
            if self.default_profile() == profile:
                self.config_path.unlink(missing_ok=True)
        return deleted

    def set_default(self, profile: str) -> None:
        with self._locked():
            if not self.path_for(profile).exists():
                raise AuthError(f"There is no stored login named {profile!r}: run `salesforce-flow-mcp login` first.")
            self._write_json(self.config_path, {"default_profile": profile})

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's lock (blocking; across processes). Re-entrant: save/update_tokens inside it are fine."""
        self._ensure_dirs()
        with self._lock:
            yield

    _locked = locked

    def _ensure_dirs(self) -> None:
        for directory in (self.home, self.profiles_dir):
            directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)

    def _write_json(self, path: Path, data: Any) -> None:
        payload = (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")
        atomic_write(path, payload, before_replace=self._before_replace)


def atomic_write(path: Path, payload: bytes, *, before_replace: Callable[[Path], None] | None = None) -> None:
    """Write `payload` to `path` via a 0600 temp file in the same directory + fsync + os.replace (+ dir fsync)."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):  # POSIX; mkstemp makes 0600 already, say it anyway. Windows: the folder's ACL
                os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if before_replace is not None:
            before_replace(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on directories; the data itself is already on disk
    finally:
        os.close(fd)
