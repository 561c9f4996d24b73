"""Reading the embedded org's REST replies in tests."""

from __future__ import annotations

from typing import Any

import httpx2


def the_error(reply: httpx2.Response, status: int) -> dict[str, Any]:
    """The one error of a REST error reply (a list of {"errorCode", "message"}), which must have `status`."""
    assert reply.status_code == status, reply.text
    [error] = reply.json()
    assert isinstance(error, dict)
    return error
