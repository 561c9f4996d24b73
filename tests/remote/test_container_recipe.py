"""The container recipe (Dockerfile, .dockerignore), tested without a container engine (this machine has none, and
the base image's registry is out of reach): what the file says is checked as text, and its steps are replayed: the
COPY lines into a temporary /app, its `pip install` into a fresh virtual environment, and its ENTRYPOINT started
with its ENV against the embedded org, then /healthz and /readyz and its own HEALTHCHECK command.

Docker's formats followed: the Dockerfile reference (https://docs.docker.com/reference/dockerfile/: exec form of
ENTRYPOINT and HEALTHCHECK CMD as JSON arrays, line continuation with a backslash, `USER <uid>[:<gid>]`, HEALTHCHECK's
exit status 0 = healthy) and .dockerignore (https://docs.docker.com/build/concepts/context/#dockerignore-files: Go
filepath.Match patterns, `!` re-includes, the last matching line wins). Kubernetes' runAsNonRoot can only verify a
numeric USER (https://kubernetes.io/docs/tasks/configure-pod-container/security-context/).
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sysconfig
import time
import venv
from pathlib import Path

import httpx2
import pytest
from cryptography.fernet import Fernet

from .live_org import TEAM_APP, TEAM_SECRET, live_org
from .procs import free_port

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
SECRET_NAMES = ("SECRET", "STORE_KEY", "HTTP_TOKEN", "PASSWORD", "PRIVATE_KEY")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in DOCKERFILE.read_text().splitlines() if not line.lstrip().startswith("#")),
    )
    found = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def each(name: str) -> list[str]:
    return [rest for word, rest in instructions() if word == name]


def env_of(rest: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in shlex.split(rest))


def _matches(pattern: str, path: str) -> bool:
    """A pattern matches a path or any folder above it; `**/` any number of folders."""
    parts = path.split("/")
    if pattern.startswith("**/"):
        runs = ["/".join(parts[i : j + 1]) for i in range(len(parts)) for j in range(i, len(parts))]
        return any(fnmatch.fnmatchcase(run, pattern[3:]) for run in runs)
    return any(fnmatch.fnmatchcase("/".join(parts[: i + 1]), pattern) for i in range(len(parts)))


def ignored(path: str) -> bool:
    """.dockerignore's rule: the last pattern that matches decides; `!` re-includes."""
    verdict = False
    for line in (REPO / ".dockerignore").read_text().splitlines():
        pattern = line.strip()
        if pattern and not pattern.startswith("#") and _matches(pattern.lstrip("!").rstrip("/"), path):
            verdict = not pattern.startswith("!")
    return verdict


def test_the_image_runs_as_a_numeric_non_root_user_with_no_secret_baked_in() -> None:
    (user,) = each("USER")
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0
    assert any(f"--uid {uid}" in run for run in each("RUN"))  # the user exists, with that uid
    baked = {k: v for rest in each("ENV") for k, v in env_of(rest).items()}
    assert baked["SALESFORCE_FLOW_MCP_AUTH"] == "oauth"
    assert not [k for k in baked if any(s in k for s in SECRET_NAMES)] and not each("ARG")
    words = [word for word, _ in instructions()]
    assert words.index("USER") > max(i for i, w in enumerate(words) if w == "RUN")  # nothing runs as root after


def test_the_healthcheck_and_entrypoint_match_the_deployment_guide() -> None:
    (exposed,) = each("EXPOSE")
    entrypoint = json.loads(each("ENTRYPOINT")[0])
    assert entrypoint[:4] == ["salesforce-flow-mcp", "serve", "--transport", "http"]
    assert entrypoint[entrypoint.index("--port") + 1] == exposed
    check = each("HEALTHCHECK")[0]
    assert f"http://127.0.0.1:{exposed}/healthz" in check and "CMD [" in check
    guide = (REPO / "docs" / "deploy.md").read_text()
    assert DOCKERFILE.read_text().strip() in guide, "docs/deploy.md shows the Dockerfile as it is"


def test_the_build_context_holds_what_copy_takes_and_nothing_local() -> None:
    copied = [part for rest in each("COPY") for part in shlex.split(rest)[:-1]]
    assert set(copied) >= {"pyproject.toml", "README.md", "server", "tools"}  # what the build backend reads
    for source in copied:
        assert (REPO / source).exists() and not ignored(source), source
    for local in (
        ".venv",
        ".git",
        "node_modules",
        "tests",
        "build",
        ".env",
        "server/__pycache__",
        "remote.db",
        "server/x.db-wal",
        "docs",
        "Makefile",
    ):
        assert ignored(local), local


@pytest.mark.slow
def test_the_recipe_installs_and_serves_health_and_readiness(tmp_path: Path) -> None:
    """The steps replayed outside a container: the same COPY, the same `pip install` (with --no-build-isolation and
    the test environment's packages visible: no download), the same ENTRYPOINT and ENV; only the address differs
    (127.0.0.1 and a free port, as every test server here) and the home folders are in the temporary directory."""
    app = tmp_path / "app"
    app.mkdir()
    for rest in each("COPY"):
        *sources, dest = shlex.split(rest)
        for source in sources:
            target = app / dest / Path(source).name if dest.endswith("/") else app / dest
            if (REPO / source).is_dir():
                shutil.copytree(REPO / source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(REPO / source, target)
    env_dir = tmp_path / "image-python"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    site = next((env_dir / "lib").glob("python3*/site-packages"))
    outer = sysconfig.get_paths()["purelib"]  # the test environment's packages
    (site / "test-dependencies.pth").write_text(str(outer) + "\n")  # the image's dependencies, already here
    bin_dir = env_dir / "bin"
    # Python 3.11's venv bundles an old setuptools; the build needs the project's (>=77), which the image's
    # isolated build would download and the test environment has.
    subprocess.run([str(bin_dir / "pip"), "uninstall", "-y", "-q", "setuptools"], capture_output=True, timeout=120)
    (install,) = [rest for rest in each("RUN") if "pip install" in rest]
    pip_args = shlex.split(install.split("&&")[0])
    assert pip_args[:2] == ["pip", "install"]
    done = subprocess.run(
        [str(bin_dir / "pip"), *pip_args[1:], "--no-build-isolation", "--no-index"],
        cwd=app,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    installed = subprocess.run(
        [str(bin_dir / "python"), "-c", "import salesforce_flow_mcp; print(salesforce_flow_mcp.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert installed.stdout.startswith(str(site)), installed  # the image's copy, not the checkout
    port = free_port()
    entrypoint = json.loads(each("ENTRYPOINT")[0])
    command = [str(bin_dir / entrypoint[0]), *entrypoint[1:]]
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    image_env = {k: v for rest in each("ENV") for k, v in env_of(rest).items()}
    image_env["SALESFORCE_FLOW_MCP_HOME"] = str(tmp_path / "home" / ".config" / "salesforce-flow-mcp")
    image_env["SALESFORCE_FLOW_MCP_CACHE"] = str(tmp_path / "home" / ".cache" / "salesforce-flow-mcp")
    before = sorted(str(path.relative_to(app)) for path in app.rglob("*"))
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SALESFORCE_", "VIRTUAL_ENV", "PYTHON"))}
    with live_org() as org:
        org.register_team_app(f"http://127.0.0.1:{port}/oauth/salesforce/callback")
        run_env = {  # what a deployment passes at run time (docs/deploy.md, "Environment")
            "SALESFORCE_INSTANCE_URL": org.base_url,
            "SALESFORCE_LOGIN_URL": org.base_url,
            "SALESFORCE_CLIENT_ID": TEAM_APP,
            "SALESFORCE_CLIENT_SECRET": TEAM_SECRET,
            "SALESFORCE_FLOW_MCP_STORE_KEY": Fernet.generate_key().decode(),
        }
        log = (tmp_path / "serve.stderr").open("wb")
        process = subprocess.Popen(command, cwd=app, env={**clean, **image_env, **run_env}, stdout=log, stderr=log)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline, ready = time.monotonic() + 90, None
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    ready = httpx2.get(base + "/readyz", timeout=5)
                    if ready.status_code == 200:
                        break
                except httpx2.TransportError:
                    pass
                time.sleep(0.3)
            assert ready is not None and ready.json() == {"status": "ready"}, (tmp_path / "serve.stderr").read_text()
            assert httpx2.get(base + "/healthz").json() == {"status": "ok"}
            healthcheck = json.loads(each("HEALTHCHECK")[0].split("CMD", 1)[1])
            probe = [str(bin_dir / healthcheck[0]), *healthcheck[1:]]
            probe[-1] = probe[-1].replace("127.0.0.1:8765", f"127.0.0.1:{port}")
            assert subprocess.run(probe, timeout=30).returncode == 0  # HEALTHCHECK: 0 = healthy
            unauthenticated = httpx2.post(base + "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
            assert unauthenticated.status_code == 401  # the image's default is --auth oauth
        finally:
            process.terminate()
            process.wait(timeout=30)
            log.close()
    # It wrote only below its home folders (the image's root filesystem can be read-only): the store is there.
    assert sorted(str(path.relative_to(app)) for path in app.rglob("*")) == before
    assert (Path(image_env["SALESFORCE_FLOW_MCP_HOME"]) / "remote-server.db").exists()
