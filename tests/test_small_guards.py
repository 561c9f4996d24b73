"""Smaller guards: the describe cache folder is private; an extra argument is refused even when its value is null."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from salesforce_flow_mcp.salesforce.describe_cache import DescribeCache
from tests.support import org_stack

pytestmark = pytest.mark.anyio


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_describe_cache_folder_is_created_0700(tmp_path: Path) -> None:
    folder = tmp_path / "cache" / "salesforce-flow-mcp"
    DescribeCache(folder, "https://example.my.salesforce.com", "59.0").replace_all({"F": ("v1", {"inputs": []})})
    assert _mode(folder) == 0o700 and _mode(next(folder.iterdir())) == 0o600


def test_a_cache_folder_made_looser_before_is_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "salesforce-flow-mcp"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    DescribeCache(folder, "https://example.my.salesforce.com", "59.0").replace_all({"F": ("v1", {"inputs": []})})
    assert _mode(folder) == 0o700


async def test_an_extra_key_with_a_null_value_is_refused_by_additional_properties() -> None:
    async with org_stack() as stack:
        before = (await stack.org.get("/__org/status")).json()["apiUsage"]
        result = await stack.call("flow_Route_Support_Case", {"subject": "Printer", "notAnInput": None})
        text = " ".join(getattr(c, "text", "") for c in result.content)
        assert result.is_error and "notAnInput" in text and "Additional properties are not allowed" in text
        assert (await stack.org.get("/__org/status")).json()["apiUsage"] == before, "nothing reached the org"
        # A null for one of the flow's own inputs still means "leave it unset".
        assert not (await stack.call("flow_Route_Support_Case", {"subject": "Printer", "priority": None})).is_error
