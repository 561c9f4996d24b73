"""The error the auth package raises to its callers, and the one kind of it callers act on."""

from __future__ import annotations

from .masking import redact


class AuthError(Exception):
    """A sign-in problem, worded so the user knows what to do. The message never contains a token or secret."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))

    @property
    def message(self) -> str:
        return str(self.args[0])


class InvalidGrantError(AuthError):
    """The token endpoint answered `invalid_grant`: the refresh token (or code, or assertion) is spent or revoked.

    A refresh that gets it re-reads the token store once: another process may have rotated the token meanwhile."""

    def __init__(self, message: str, code: str = "invalid_grant") -> None:
        super().__init__(message)
        self.code = code
