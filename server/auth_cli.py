"""The sign-in commands (login, logout, doctor), wired to the auth package."""

from __future__ import annotations

import argparse
from collections.abc import Callable

AUTH_COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {}
