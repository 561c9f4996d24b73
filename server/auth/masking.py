"""Keeping secrets out of sight: masked display of secrets, and a logging filter that hides token-shaped text.

The filter is defence in depth: the auth code never logs a token on purpose, but a library might (a URL with
`code=`, a header dump, an exception holding a request body). Every secret the auth package handles is also
registered here so that its exact value is masked wherever it turns up.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict

MASK = "***"
_MIN_REGISTERED = 8  # shorter values would mask ordinary words
_MAX_REGISTERED = 256

# Shapes of secrets that may turn up in text. Salesforce access tokens look like `00D...!AQ...`; refresh tokens start
# with `5Aep`; JWTs with `eyJ`. Key/value forms cover form bodies, query strings, JSON and headers; values shorter
# than a real secret are left alone so that prose ("assertion: signature ...") stays readable.
#
# Each shape with a literal every match contains (lower case: looked for in the lower-cased text), so the common
# text that holds none of them skips that pattern's pass; None: no such literal, always searched.
_PATTERNS: tuple[tuple[re.Pattern[str], str, str | None], ...] = (
    (re.compile(r"\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._\-]+"), MASK, "00d"),
    (re.compile(r"\b5Aep[A-Za-z0-9._\-]{20,}"), MASK, "5aep"),
    (re.compile(r"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"), MASK, "eyj"),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/!=\-]{16,}"), r"\1" + MASK, "bearer"),
    (
        re.compile(
            r"(?i)\b(access_token|refresh_token|id_token|client_secret|assertion|code_verifier|code|token|password"
            r"|signature|sid)"
            r"(\"?'?\s*[:=]\s*\"?'?)([^\s\"'&,;}]{12,})"
        ),
        r"\1\2" + MASK,
        None,
    ),
)

_registered: OrderedDict[str, None] = OrderedDict()
_registered_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a secret so that its exact value is masked by `redact` and the logging filter."""
    if not value or len(value) < _MIN_REGISTERED:
        return
    with _registered_lock:
        _registered[value] = None
        _registered.move_to_end(value)
        while len(_registered) > _MAX_REGISTERED:
            _registered.popitem(last=False)


def redact(text: str) -> str:
    """Text with every registered secret and every token-shaped part replaced by `***`."""
    return _redact(text, _PATTERNS)


# Tool results carry the org's data: a field called `code` or `token` is no secret, so the key=value heuristic that
# logs get is left out; registered secrets and the unmistakable token shapes are masked all the same.
_SHAPES = _PATTERNS[:4]


def redact_secrets(text: str) -> str:
    """Text with every registered secret and every Salesforce/JWT/bearer token shape replaced by `***`."""
    return _redact(text, _SHAPES)


def _redact(text: str, patterns: tuple[tuple[re.Pattern[str], str, str | None], ...]) -> str:
    with _registered_lock:
        known = sorted(_registered, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    folded = text.lower()
    for pattern, replacement, literal in patterns:
        if literal is None or literal in folded:
            text = pattern.sub(replacement, text)
    return text


def mask_secret(value: str | None) -> str:
    """How a secret is shown to a user: `00Dx…9P` (first 4 + last 2) for long values, `set (hidden)` otherwise."""
    if not value:
        return "not set"
    if len(value) < 20:
        return "set (hidden)"
    return f"{value[:4]}…{value[-2:]}"


class SecretMaskingFilter(logging.Filter):
    """Rewrites each record's message (and exception text) with `redact`. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            formatter = logging.Formatter()
            record.exc_text = redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_log_masking(logger: logging.Logger | None = None) -> SecretMaskingFilter:
    """Attach the masking filter to every handler of `logger` (the root logger by default) and to the logger.

    Handler filters see records propagated from every child logger, which logger filters do not; call this after
    logging is configured. Idempotent.
    """
    target = logger or logging.getLogger()
    existing = next((f for f in target.filters if isinstance(f, SecretMaskingFilter)), None)
    masking = existing or SecretMaskingFilter()
    if existing is None:
        target.addFilter(masking)
    for handler in target.handlers:
        if not any(isinstance(f, SecretMaskingFilter) for f in handler.filters):
            handler.addFilter(masking)
    return masking
