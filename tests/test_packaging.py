"""server/ and tools/ install as one distinctive package, from a wheel and as an editable install."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.support import REPO, copy_build_sources

PROBE = (
    "import salesforce_flow_mcp, salesforce_flow_mcp.tools.operations as ops;"
    "import salesforce_flow_mcp.localorg.flows.parse.loader as l;"
    "import importlib.util as u;"
    "assert u.find_spec('server') is None and u.find_spec('tools') is None, 'generic top-level names leaked';"
    "assert len(ops.OPERATION_TOOLS) == 10;"
    "assert sorted(p.name for p in l.demo_flows_dir().glob('*.flow-meta.xml'));"
    "print(salesforce_flow_mcp.__file__)"
)


def make_venv(path: Path) -> Path:
    # System site-packages give the dependencies without a download; the project itself is installed fresh.
    venv.EnvBuilder(system_site_packages=False, with_pip=False).create(path)
    site = next((path / "lib").glob("python*/site-packages"))
    (site / "parent.pth").write_text("\n".join(p for p in sys.path if p.endswith("site-packages")) + "\n")
    return path / "bin" / "python"


def pip(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


@pytest.mark.slow
def test_wheel_install_imports_the_package(tmp_path: Path) -> None:
    source = copy_build_sources(tmp_path / "source")
    pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist"), str(source))
    wheel = next((tmp_path / "dist").glob("salesforce_flow_mcp-*.whl"))
    target = tmp_path / "site"
    pip("install", "--no-deps", "--target", str(target), str(wheel))
    assert not (target / "server").exists() and not (target / "tools").exists()
    python = make_venv(tmp_path / "venv")
    done = subprocess.run(
        [str(python), "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PYTHONPATH": str(target)},
    )
    assert done.returncode == 0, done.stderr
    assert str(target) in done.stdout


@pytest.mark.slow
def test_editable_install_imports_the_package(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(str(REPO / "server")), "the test venv uses the editable install"
