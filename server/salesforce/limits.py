"""The `Sforce-Limit-Info` response header: API requests used and allowed."""

from __future__ import annotations

import re
from dataclasses import dataclass

_USAGE = re.compile(r"(?P<key>[\w-]+)=(?P<used>\d+)/(?P<max>\d+)(?:\(appName=(?P<app>[^)]*)\))?")


@dataclass(frozen=True)
class Usage:
    used: int
    limit: int
    app_name: str | None = None

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)


@dataclass(frozen=True)
class LimitInfo:
    api_usage: Usage | None = None
    per_app_api_usage: Usage | None = None
    api_bursts: Usage | None = None

    @classmethod
    def parse(cls, header: str | None) -> LimitInfo | None:
        """`api-usage=18/5000; per-app-api-usage=17/250(appName=x); api-bursts=1/750` -> LimitInfo."""
        if not header:
            return None
        found: dict[str, Usage] = {}
        for match in _USAGE.finditer(header):
            key = match["key"].replace("-", "_")
            found[key] = Usage(int(match["used"]), int(match["max"]), match["app"])
        if not found:
            return None
        return cls(found.get("api_usage"), found.get("per_app_api_usage"), found.get("api_bursts"))
