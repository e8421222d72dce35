"""Deployment files tested without a Docker engine: the compose file validates, its chroma health check
works against a real `chroma run`, the image's model build and health check commands work here."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"


def compose_command() -> list[str] | None:
    """`docker compose` (the plugin) or Debian's `docker-compose`; neither needs a running engine for `config`."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def compose_config(**env: str) -> subprocess.CompletedProcess:
    command = compose_command()
    if command is None:
        pytest.skip("no compose binary (docker compose plugin or Debian's docker-compose); `make test` installs one")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    return subprocess.run(
        [*command, "-f", str(COMPOSE), "config"], capture_output=True, text=True, env={**clean, **env}, cwd=ROOT
    )


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_compose_file_validates_with_the_secret_set():
    """`compose config` accepts the file; the app waits for a healthy chroma it reaches by service name."""
    done = compose_config(KB_SECRET_KEY="a-test-secret")
    assert done.returncode == 0, done.stderr
    services = yaml.safe_load(done.stdout)["services"]
    app, chroma = services["app"], services["chroma"]
    assert app["depends_on"]["chroma"]["condition"] == "service_healthy"
    assert app["environment"]["KB_CHROMA_URL"] == "http://chroma:8000"
    assert app["environment"]["KB_SECRET_KEY"] == "a-test-secret"
    assert "ports" not in chroma and chroma["healthcheck"]["test"][0] == "CMD"


def test_compose_refuses_to_run_without_the_secret():
    """KB_SECRET_KEY is required: without it compose stops and says what to set."""
    done = compose_config()
    assert done.returncode != 0
    assert "KB_SECRET_KEY" in done.stderr


def test_chroma_image_matches_the_installed_client():
    """The chroma server image is pinned to the chromadb client's own version."""
    image = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]["chroma"]["image"]
    assert image == f"chromadb/chroma:{version('chromadb')}"


def _chroma_probe(port: int) -> list[str]:
    test = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]["chroma"]["healthcheck"]["test"]
    assert test[0] == "CMD"
    # Compose turns $$ into $; the probe asks port 8000 inside the container, here the test server's port.
    return [arg.replace("$$", "$").replace("/8000", f"/{port}") for arg in test[1:]]


@pytest.mark.skipif(not Path("/bin/bash").exists(), reason="the chroma image's health check runs /bin/bash")
def test_chroma_healthcheck_passes_on_a_live_server_and_fails_without_one(chroma_server):
    """The compose health check (bash only: the image has no curl) answers 0 for a real chroma, non-zero otherwise."""
    port = int(chroma_server.rsplit(":", 1)[1])
    assert subprocess.run(_chroma_probe(port), capture_output=True, timeout=30).returncode == 0
    assert subprocess.run(_chroma_probe(free_port()), capture_output=True, timeout=30).returncode != 0


def _app_healthcheck() -> list[str]:
    (arguments,) = [rest for word, rest in dockerfile_instructions() if word == "HEALTHCHECK"]
    command = json.loads(arguments[arguments.index("CMD ") + 4 :])
    assert command[0] == "python"  # the slim base has no curl
    return [sys.executable, *command[1:]]


def test_app_healthcheck_passes_on_a_live_app_and_fails_without_one(settings, embedder):
    """The image's HEALTHCHECK command is valid Python that succeeds against /healthz and fails when nothing answers."""
    import uvicorn

    from web.app import create_app

    port = free_port()
    config = uvicorn.Config(
        create_app(settings, embedder), host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.started
        env = {**os.environ, "KB_PORT": str(port)}
        done = subprocess.run(_app_healthcheck(), capture_output=True, text=True, env=env, timeout=30)
        assert done.returncode == 0, done.stderr
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    env = {**os.environ, "KB_PORT": str(free_port())}
    assert subprocess.run(_app_healthcheck(), capture_output=True, env=env, timeout=30).returncode != 0


def test_dockerfile_installs_cpu_torch_before_the_project():
    """torch comes pinned from the CPU index before `pip install .`, so pip never pulls a CUDA build."""
    runs = [rest for word, rest in dockerfile_instructions() if word == "RUN"]
    torch = next(i for i, r in enumerate(runs) if "torch==" in r)
    project = next(i for i, r in enumerate(runs) if re.search(r"pip install \.(\s|$)", r))
    pinned = re.search(r"torch==([\d.]+)", runs[torch]).group(1)
    assert torch < project and "--index-url" in runs[torch] and "TORCH_INDEX" in runs[torch]
    assert f'"torch=={pinned}' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_dockerfile_runs_as_a_non_root_user():
    """The image's last USER is not root."""
    users = [rest for word, rest in dockerfile_instructions() if word == "USER"]
    assert users and users[-1] not in ("root", "0")


@pytest.mark.slow
def test_model_build_as_the_image_runs_it(tmp_path):
    """The Dockerfile's `kb model build` step builds the model folder into an empty cache; loading it
    afterwards, offline, reads that cache without writing anything."""
    (step,) = [shlex.split(rest) for word, rest in dockerfile_instructions() if word == "RUN" and "model build" in rest]
    assert step[0] == "kb"
    cache = tmp_path / "models"
    env = {**os.environ, "KB_MODEL_CACHE": str(cache), "KB_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "kbcli", *step[1:]], capture_output=True, text=True, env=env, timeout=900
    )
    assert done.returncode == 0, done.stderr
    assert "ready in" in done.stdout
    built = {p: p.stat().st_mtime_ns for p in cache.rglob("*")}
    assert any(p.name == "model.safetensors" for p in built) and any(p.suffix == ".npy" for p in built)
    # The image builds as root and runs as `kb`: everything must be readable (directories searchable) by others.
    others = {p: p.stat().st_mode & (stat.S_IROTH | stat.S_IXOTH) for p in built}
    unreadable = [p for p, mode in others.items() if not mode & stat.S_IROTH or p.is_dir() and not mode & stat.S_IXOTH]
    assert unreadable == []
    again = subprocess.run(
        [sys.executable, "-m", "kbcli", *step[1:]],
        capture_output=True,
        text=True,
        env={**env, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
        timeout=900,
    )
    assert again.returncode == 0, again.stderr
    assert {p: p.stat().st_mtime_ns for p in cache.rglob("*")} == built


def test_the_wheel_carries_templates_and_static_files(tmp_path):
    """The image installs the project as a wheel (not editable): templates and the stylesheet must be in it."""
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "kbcli.py"):
        shutil.copy(ROOT / name, source / name)
    for package in ("kb", "ingest", "web"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), "."],
        capture_output=True,
        text=True,
        cwd=source,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    import zipfile

    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {f"web/{p.relative_to(ROOT / 'web').as_posix()}" for p in (ROOT / "web").rglob("*") if p.is_file()}
    wanted = {n for n in wanted if "/templates/" in f"/{n}" or "/static/" in f"/{n}"}
    assert wanted and wanted <= names
