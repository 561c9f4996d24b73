"""Salesforce identifiers: record Ids and API names.

Shared by the MCP side (to validate path parameters before any request) and the embedded org (to mint Ids);
it imports nothing from either.
"""

from __future__ import annotations

import itertools
import re
import threading

# 15 case-sensitive characters, or 18 with the case-insensitive checksum suffix.
SALESFORCE_ID_PATTERN = r"^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$"
_ID_RE = re.compile(SALESFORCE_ID_PATTERN)

# Flow ApiName: a letter, then letters/digits/underscores, with an optional `ns__` namespace prefix.
API_NAME_PATTERN = r"^(?:[A-Za-z][A-Za-z0-9]*__)?[A-Za-z][A-Za-z0-9_]*$"
_API_NAME_RE = re.compile(API_NAME_PATTERN)

_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def is_salesforce_id(value: str) -> bool:
    """True for a well-formed 15- or 18-character Id whose checksum suffix (if any) is right."""
    if not _ID_RE.match(value):
        return False
    return len(value) == 15 or checksum_suffix(value[:15]) == value[15:]


def is_api_name(value: str) -> bool:
    return len(value) <= 255 and bool(_API_NAME_RE.match(value))


def checksum_suffix(id15: str) -> str:
    """The three characters Salesforce appends to make an Id case-insensitive."""
    suffix = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if ch.isupper())
        suffix += _SUFFIX_ALPHABET[bits]
    return suffix


def to_18(id15: str) -> str:
    return id15 if len(id15) == 18 else id15 + checksum_suffix(id15)


class IdMinter:
    """Mints 18-character Ids for one key prefix (e.g. '301' for Flow), unique within the process."""

    _pod = "5g"  # a fixed instance/pod part keeps minted Ids looking like one org's

    def __init__(self, key_prefix: str, start: int = 1) -> None:
        if len(key_prefix) != 3:
            raise ValueError("a key prefix has 3 characters")
        self._prefix = key_prefix
        self._counter = itertools.count(start)
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            n = next(self._counter)
        body = ""
        for _ in range(10):
            n, r = divmod(n, 62)
            body = _BASE62[r] + body
        return to_18(self._prefix + self._pod + body)
