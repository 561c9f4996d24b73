"""The one error the auth package raises to its callers."""

from __future__ import annotations

from .masking import redact


class AuthError(Exception):
    """A sign-in problem, worded so the user knows what to do. The message never contains a token or secret."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))

    @property
    def message(self) -> str:
        return str(self.args[0])
