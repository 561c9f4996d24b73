"""`make bundle`: the MCP Bundle (MCPB) of this server, packed with the official `mcpb pack`.

A `python` bundle must carry its dependencies (the MCPB spec: `server/lib` on PYTHONPATH), so the bundle folder holds
only manifest.json, server/main.py and server/lib (this package and its runtime dependencies, installed by pip for
the Python and OS that run this script: compiled dependencies such as pydantic-core and cryptography make a bundle
per platform, and the bundle's manifest says which). Nothing of the clone (.venv, node_modules, tests, caches) goes in.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MCPB = REPO / "node_modules" / ".bin" / "mcpb"
PLATFORMS = {"linux": "linux", "darwin": "darwin", "win32": "win32"}
# Files pip leaves that no one runs from a bundle.
DROP = ("bin", "__pycache__")
BUILD_SOURCES = ("pyproject.toml", "README.md", "server", "tools")  # what the build backend reads
IGNORE = shutil.ignore_patterns("__pycache__")


def build(folder: Path, output: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    lib = folder / "server" / "lib"
    lib.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as scratch:
        # pip builds in the tree it is given (build/, *.egg-info): give it a copy, so the checkout stays as it was.
        source = Path(scratch) / "source"
        source.mkdir()
        for name in BUILD_SOURCES:
            if (REPO / name).is_dir():
                shutil.copytree(REPO / name, source / name, ignore=IGNORE)
            else:
                shutil.copy2(REPO / name, source / name)
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--target", str(lib), str(source)]
        subprocess.run(pip, check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    for name in DROP:
        for path in list(lib.rglob(name)):
            shutil.rmtree(path, ignore_errors=True)
    shutil.copy2(REPO / "server" / "main.py", folder / "server" / "main.py")
    manifest = json.loads((REPO / "manifest.json").read_text())
    manifest["compatibility"]["platforms"] = [PLATFORMS.get(sys.platform, sys.platform)]
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    manifest["compatibility"]["runtimes"]["python"] = (
        f">={python},<{sys.version_info.major}.{sys.version_info.minor + 1}"
    )
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.unlink(missing_ok=True)
    subprocess.run([str(MCPB), "pack", str(folder), str(output)], check=True, stdout=subprocess.DEVNULL)
    return output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=REPO / "build" / "bundle", help="where the bundle is laid out")
    parser.add_argument("--output", type=Path, help="the .mcpb file (default dist/salesforce-flow-mcp-VERSION.mcpb)")
    args = parser.parse_args()
    version = json.loads((REPO / "manifest.json").read_text())["version"]
    output = args.output or REPO / "dist" / f"salesforce-flow-mcp-{version}.mcpb"
    built = build(args.folder, output)
    print(f"{built}: {built.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
