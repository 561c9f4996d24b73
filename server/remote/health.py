"""`/healthz` (the process answers) and `/readyz` (it can serve tool calls: the first flow catalogue is in and every
dependency it names answers), for load balancers and Kubernetes probes. Neither needs auth nor reveals anything."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ReadinessCheck = Callable[[], Awaitable[str | None]]  # None when ready, else what is not ready yet
_NO_STORE = {"Cache-Control": "no-store"}


def health_routes(checks: Sequence[tuple[str, ReadinessCheck]]) -> list[Route]:
    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"}, headers=_NO_STORE)

    async def readyz(request: Request) -> Response:
        failing: dict[str, str] = {}
        for name, check in checks:
            try:
                problem = await check()
            except Exception as exc:  # a probe reports, it never raises
                problem = f"{type(exc).__name__}"
            if problem is not None:
                failing[name] = problem
        if failing:
            return JSONResponse({"status": "not ready", "checks": failing}, status_code=503, headers=_NO_STORE)
        return JSONResponse({"status": "ready"}, headers=_NO_STORE)

    return [Route("/healthz", healthz, methods=["GET"]), Route("/readyz", readyz, methods=["GET"])]
