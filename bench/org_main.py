"""The embedded org for the benchmark: `serve_org` on 127.0.0.1, a free port, printing "listening at URL".

    python -m bench.org_main FLOWS_DIR TOKEN

Same as `salesforce-flow-mcp org serve --port 0 --flows DIR --token T`, with one difference: the listening socket has
TCP_NODELAY. runner._bind creates it with proto 0, so asyncio does not switch Nagle's algorithm off on the accepted
connections, and every response written in two parts (headers, body) waits for the client's delayed ACK: about 40 ms
per request on Linux loopback. That would turn "0 ms added latency" into 44 ms. Linux copies TCP_NODELAY from the
listening socket to each accepted one, so setting it here is enough (and harmless once runner.py sets it itself).
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import anyio

from salesforce_flow_mcp.localorg import runner

_bind = runner._bind


def _bind_without_nagle(host: str, port: int) -> socket.socket:
    sock = _bind(host, port)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def main() -> None:
    flows_dir, token = Path(sys.argv[1]), sys.argv[2]
    runner._bind = _bind_without_nagle

    def ready(base_url: str, access_token: str) -> None:
        print(f"Embedded Salesforce org listening at {base_url}", flush=True)

    try:
        anyio.run(runner.serve_org, "127.0.0.1", 0, None, flows_dir, token, ready)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
