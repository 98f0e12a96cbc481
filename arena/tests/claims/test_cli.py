"""`arena claims --strict`: refuses a modified checkout; accepts results of the same code."""

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arena.claims import cli as claims_cli
from arena.cli import app

FIXTURE = Path(__file__).parent / "fixtures" / "results.json"
CLAIMS = (FIXTURE.parent / "cold_start_claim.toml").read_text()


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def _commit(repo: Path) -> str:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "work")
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "claims.toml").write_text(CLAIMS)
    (tmp_path / "app.py").write_text("x = 1\n")
    _git(tmp_path, "init", "-q")
    _commit(tmp_path)
    monkeypatch.setattr(claims_cli, "root", lambda: tmp_path)
    return tmp_path


def _claims(*extra: str) -> list[str]:
    return ["claims", "--no-micro", "--results", "docs/results/results.json", *extra]


def _publish_results(repo: Path, commit: str) -> None:
    """What `make bench` leaves behind: the results JSON of ``commit``, committed."""
    data = json.loads(FIXTURE.read_text())
    data["environment"].update(git_commit=commit, git_dirty=False)
    (repo / "docs" / "results").mkdir(parents=True)
    (repo / "docs" / "results" / "results.json").write_text(json.dumps(data))


def test_strict_claims_refuses_a_modified_checkout_and_writes_nothing(repo, monkeypatch):
    monkeypatch.chdir(repo)
    (repo / "app.py").write_text("x = 2\n")
    result = CliRunner().invoke(app, _claims("--strict"))
    assert result.exit_code == 2, result.output
    assert "uncommitted changes" in result.output
    assert not (repo / "docs" / "claims.md").exists()


def test_results_committed_after_the_run_count_as_this_code(repo, monkeypatch):
    monkeypatch.chdir(repo)
    measured = _git(repo, "rev-parse", "HEAD")
    _publish_results(repo, measured)
    _commit(repo)  # only generated pages changed since the measured commit
    result = CliRunner().invoke(app, _claims("--strict"))
    assert result.exit_code == 0, result.output
    page = (repo / "docs" / "claims.md").read_text()
    assert "not at this commit" not in page
    assert "uncommitted changes" not in page


def test_results_of_other_code_are_flagged(repo, monkeypatch):
    monkeypatch.chdir(repo)
    _publish_results(repo, _git(repo, "rev-parse", "HEAD"))
    (repo / "app.py").write_text("x = 3\n")
    _commit(repo)
    result = CliRunner().invoke(app, _claims("--strict"))
    assert result.exit_code == 0, result.output
    assert "not at this commit" in (repo / "docs" / "claims.md").read_text()


def test_without_strict_a_modified_checkout_is_written_and_marked(repo, monkeypatch):
    monkeypatch.chdir(repo)
    _publish_results(repo, _git(repo, "rev-parse", "HEAD"))
    (repo / "app.py").write_text("x = 4\n")
    result = CliRunner().invoke(app, _claims())
    assert result.exit_code == 0, result.output
    assert "uncommitted changes" in (repo / "docs" / "claims.md").read_text()
