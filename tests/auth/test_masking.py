"""Secrets never show: masked display, redaction of token-shaped text, and the logging filter."""

from __future__ import annotations

import io
import logging

import pytest

from salesforce_flow_mcp.auth.errors import AuthError
from salesforce_flow_mcp.auth.masking import (
    SecretMaskingFilter,
    install_log_masking,
    mask_secret,
    redact,
    redact_secrets,
    register_secret,
)

ACCESS = "00D5g000004SFMC!AQ0AQH8.uXhB5dZ_example-access-token-value"
REFRESH = "5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJrfEXAMPLE"


def test_mask_secret_shows_first_four_and_last_two() -> None:
    assert mask_secret(ACCESS) == "00D5…ue"
    assert mask_secret("short-secret") == "set (hidden)"
    assert mask_secret(None) == "not set" and mask_secret("") == "not set"


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Bearer {ACCESS}",
        f"refresh_token={REFRESH}&client_id=PlatformCLI",
        f'{{"access_token": "{ACCESS}", "instance_url": "https://x"}}',
        f"the session {ACCESS} expired",
        "client_secret=8B1E0F6A7C2D4E9F0A1B2C3D4E5F6A7B&grant_type=refresh_token",
        "assertion=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJhYmMifQ.c2lnbmF0dXJlLXZhbHVl",
        "GET http://localhost:1717/OauthRedirect?code=aPrxYXx5Yy9gZXhhbXBsZS1jb2RlLXZhbHVl&state=abc",
    ],
)
def test_redact_hides_token_shaped_text(text: str) -> None:
    cleaned = redact(text)
    assert "***" in cleaned
    for secret in (ACCESS, REFRESH, "8B1E0F6A7C2D4E9F0A1B2C3D4E5F6A7B", "c2lnbmF0dXJlLXZhbHVl", "ZXhhbXBsZS1jb2Rl"):
        assert secret not in cleaned


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"bEaReR {'x' * 20}", "x" * 20),  # the bearer shape is case-insensitive; its precheck must be too
        (f"BEARER {'y' * 20}", "y" * 20),
        (f"[{ACCESS}]", ACCESS),
        (f'"{REFRESH}"', REFRESH),
        ("jwt:eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJhYmMifQ.c2ln", "eyJhbGciOiJSUzI1NiJ9"),
    ],
)
def test_tool_results_lose_every_token_shape_in_any_case_and_context(text: str, secret: str) -> None:
    """Tool results are masked by the shapes alone (redact_secrets); each shape is tried only where its literal
    (00D, 5Aep, eyJ, bearer) is in the text, so a match must never be passed over."""
    assert secret not in redact_secrets(text) and "***" in redact_secrets(text)


def test_redact_leaves_prose_alone() -> None:
    text = "invalid_grant (invalid assertion: signature does not match): check the JWT bearer grant; errorCode=INVALID"
    assert redact(text) == text


def test_registered_secrets_are_masked_whatever_their_shape() -> None:
    register_secret("plain-looking-secret-value")
    assert redact("the value plain-looking-secret-value leaked") == "the value *** leaked"
    register_secret("short")  # too short to mask safely: ignored
    assert redact("short") == "short"


def test_auth_errors_are_redacted() -> None:
    assert ACCESS not in str(AuthError(f"something about {ACCESS}"))


def test_the_logging_filter_masks_messages_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("test.masking.child")
    root = logging.getLogger("test.masking")
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    install_log_masking(root)
    try:
        logger.info("sending %s", f"Bearer {ACCESS}")
        logger.warning("form body refresh_token=%s", REFRESH)
        try:
            raise ValueError(f"bad token {ACCESS}")
        except ValueError:
            logger.exception("failed")
    finally:
        root.removeHandler(handler)
    output = stream.getvalue()
    assert ACCESS not in output and REFRESH not in output
    assert "sending Bearer ***" in output and "ValueError: bad token ***" in output
    assert any(isinstance(f, SecretMaskingFilter) for f in handler.filters)
    assert install_log_masking(root) is install_log_masking(root)  # idempotent
