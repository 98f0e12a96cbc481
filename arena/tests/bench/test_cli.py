import subprocess
from pathlib import Path

from typer.testing import CliRunner

from arena.bench import cli as bench_cli
from arena.cli import app


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        check=True,
        capture_output=True,
    )


def test_strict_bench_refuses_a_modified_checkout_before_measuring(tmp_path, monkeypatch):
    (tmp_path / "app.py").write_text("x = 1\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "start")
    (tmp_path / "app.py").write_text("x = 2\n")
    monkeypatch.setattr(bench_cli, "root", lambda: tmp_path)

    def must_not_run(*args: object) -> None:
        raise AssertionError("the run started on a modified checkout")

    monkeypatch.setattr("arena.bench.runner.run", must_not_run)
    result = CliRunner().invoke(app, ["bench", "--strict"])
    assert result.exit_code == 2, result.output
    assert "uncommitted changes" in result.output
    assert "app.py" in result.output
    assert not (tmp_path / "docs").exists()
