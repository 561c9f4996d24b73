"""The MCP Bundle's entry point (manifest.json: server/main.py): in an unpacked bundle this file sits beside server/lib,
which holds the package and every dependency, so the bundle runs on a machine that has only Python."""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    lib = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib")
    if os.path.isdir(lib) and lib not in sys.path:
        sys.path.insert(0, lib)  # the manifest also sets PYTHONPATH; this keeps a host that drops env working
    from salesforce_flow_mcp.cli import main

    sys.exit(main())
