"""URL safety: tokens only travel over https, except to loopback hosts (the embedded org, local tests)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


class UnsafeURLError(ValueError):
    """A URL a token must not be sent to."""


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_safe_url(url: str, what: str = "URL") -> str:
    """Return the URL without a trailing slash, or raise UnsafeURLError saying what to fix."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeURLError(f"{what} must be an absolute https URL, got {url!r}")
    if parts.username or parts.password:
        raise UnsafeURLError(f"{what} must not carry credentials")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise UnsafeURLError(f"{what} must use https (http is allowed only for loopback hosts), got {url!r}")
    return url.strip().rstrip("/")
