"""The package as users get it: a wheel and an sdist built the PyPA way with no build warnings, which `pip install`,
`pipx install` and `uvx --from` accept, and whose console script serves over stdio (uvx, as the README's snippet)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from tests.support import copy_build_sources

BIN = Path(sys.executable).parent
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]  # builds, and pipx/uvx fetch from PyPI


def run(*argv: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("dist")
    source = copy_build_sources(tmp_path_factory.mktemp("source"))
    built = run(sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source))
    text = built.stdout + built.stderr
    noisy = [
        line for line in text.splitlines() if "warning" in line.lower() and "byte-compiling is disabled" not in line
    ]
    assert not noisy, "\n".join(noisy[:10])
    yield out


def _tools_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESFORCE_", "VIRTUAL_ENV"))}
    return {
        **env,
        "UV_CACHE_DIR": str(tmp / "uv-cache"),
        "PIPX_HOME": str(tmp / "pipx"),
        "PIPX_BIN_DIR": str(tmp / "bin"),
    }


def test_pip_installs_the_wheel_and_the_sdist(dist: Path, tmp_path: Path) -> None:
    for artifact in (next(dist.glob("*.whl")), next(dist.glob("*.tar.gz"))):
        target = tmp_path / artifact.suffix.strip(".")
        run(
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(artifact),
        )
        assert (target / "salesforce_flow_mcp" / "localorg" / "demo_flows").is_dir()


def test_pipx_installs_the_wheel(dist: Path, tmp_path: Path) -> None:
    env = _tools_env(tmp_path)
    run(str(BIN / "pipx"), "install", str(next(dist.glob("*.whl"))), env=env)
    done = run(str(tmp_path / "bin" / "salesforce-flow-mcp"), "--version", env=env)
    assert done.stdout.strip().startswith("salesforce-flow-mcp ")


@pytest.fixture
def wheel(dist: Path) -> Path:
    return next(dist.glob("*.whl"))


@pytest.mark.anyio
async def test_uvx_from_the_wheel_serves_over_stdio(wheel: Path, tmp_path: Path) -> None:
    args = ["--from", str(wheel), "salesforce-flow-mcp", "serve", "--demo"]
    server = StdioServerParameters(command=str(BIN / "uvx"), args=args, env=_tools_env(tmp_path))
    async with Client(server, mode="legacy") as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert "flow_Quote_Discount_Calculator" in names
