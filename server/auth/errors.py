"""The errors the auth package raises to its callers.

AuthError                    a sign-in problem the user must fix (the message says how)
 ├── TokenEndpointUnavailable the token endpoint is unreachable or answered 5xx: try again later
 └── InvalidGrantError       the refresh token, code or assertion is spent or revoked
"""

from __future__ import annotations

from ..urls import UnsafeURLError, require_safe_url
from .masking import redact


class AuthError(Exception):
    """A sign-in problem, worded so the user knows what to do. The message never contains a token or secret."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))

    @property
    def message(self) -> str:
        return str(self.args[0])


class TokenEndpointUnavailable(AuthError):
    """The token endpoint could not be reached or answered 5xx: nothing is wrong with the configuration, and the
    same request may work later (the server keeps serving and asks again at the next call)."""


class InvalidGrantError(AuthError):
    """The token endpoint answered `invalid_grant`: the refresh token (or code, or assertion) is spent or revoked.

    A refresh that gets it re-reads the token store once: another process may have rotated the token meanwhile."""

    def __init__(self, message: str, code: str = "invalid_grant") -> None:
        super().__init__(message)
        self.code = code


def safe_url(url: str, what: str, fix: str = "") -> str:
    """`url` when it is https (or loopback), without a trailing slash; else an AuthError naming `what`, then `fix`."""
    try:
        return require_safe_url(url, what)
    except UnsafeURLError as exc:
        raise AuthError(f"{exc}{fix}") from None
