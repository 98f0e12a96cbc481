"""The benchmark's outside tools: wrk and hey (installed when missing), pgbench, py-spy,
the open-file limit.

``make bench-tools`` runs this module (``python -m arena.bench.tools``) before every
benchmark target, so a fresh machine needs no manual step: wrk (closed-loop load)
and hey (the open-loop measurement) come from apt-get (as root, or with
password-less sudo as on CI runners) or from Homebrew; otherwise the message gives
the exact command to run. pgbench ships with the embedded PostgreSQL wheel and
py-spy is a Python dependency of arena, so both are checked, never installed.
``arena bench`` itself raises its soft open-file limit to the hard limit (every
server, load-generator connection and pool connection of a run is a descriptor in
this process tree, and the usual soft default of 1024 is far below what the hard
limit allows).
"""

from __future__ import annotations

import contextlib
import os
import platform
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console

from arena.bench import openloop, profiling, wrk
from arena.project import ProjectError
from shared_db import embedded

# When the hard limit is "unlimited", raise the soft one this far (Linux's default nr_open).
UNLIMITED_TARGET = 1_048_576
APT_INSTALL = ["apt-get", "install", "-y", "--no-install-recommends"]


@dataclass(frozen=True)
class Tool:
    """A load generator the benchmark installs: its package names and the fallback."""

    name: str
    from_source: str

    def find(self) -> str | None:
        return shutil.which(self.name)


WRK = Tool(
    "wrk",
    "git clone --depth 1 https://github.com/wg/wrk && make -C wrk && "
    "sudo install wrk/wrk /usr/local/bin/",
)
HEY = Tool("hey", "go install github.com/rakyll/hey@latest (then put it on PATH)")
TOOLS = (WRK, HEY)


class ToolMissing(ProjectError):
    """A tool the benchmark needs is missing and was not installed; the message says how."""


@dataclass(frozen=True)
class InstallPlan:
    """How to install a tool here: commands to run, or the command a person has to run."""

    commands: tuple[tuple[str, ...], ...]
    manual: str = ""


def install_plan(
    tool: Tool,
    system: str,
    is_root: bool,
    which: Callable[[str], str | None],
    passwordless_sudo: bool,
) -> InstallPlan:
    """Decide how ``tool`` gets installed on this machine (pure, so it can be tested)."""
    apt = (*APT_INSTALL, tool.name)
    if which("apt-get"):
        if is_root or passwordless_sudo:
            sudo = () if is_root else ("sudo", "-n")
            return InstallPlan(
                commands=((*sudo, "apt-get", "update"), (*sudo, *apt)),
            )
        return InstallPlan((), manual="sudo apt-get update && sudo " + " ".join(apt))
    if which("brew"):
        return InstallPlan(commands=(("brew", "install", tool.name),))
    if system == "Darwin":
        return InstallPlan(
            (), manual=f"install Homebrew (https://brew.sh), then: brew install {tool.name}"
        )
    if which("dnf"):
        return InstallPlan((), manual=f"sudo dnf install -y {tool.name}")
    return InstallPlan((), manual=tool.from_source)


def _passwordless_sudo() -> bool:
    if not shutil.which("sudo"):
        return False
    done = subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False)
    return done.returncode == 0


def ensure(tool: Tool, console: Console) -> str:
    """The path of ``tool``, installing it first when it is missing and this machine allows."""
    found = tool.find()
    if found:
        return found
    plan = install_plan(
        tool, platform.system(), os.geteuid() == 0, shutil.which, _passwordless_sudo()
    )
    if not plan.commands:
        raise ToolMissing(
            f"{tool.name} is not installed and cannot be installed from here without a "
            f"password. Run:\n  {plan.manual}\nthen run the benchmark again."
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    console.print(f"{tool.name} is missing; installing it:")
    for command in plan.commands:
        console.print(f"  $ {' '.join(command)}")
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ToolMissing(
                f"`{' '.join(command)}` failed (exit {done.returncode}):\n"
                f"{(done.stdout + done.stderr).strip()[-1500:]}"
            )
    found = tool.find()
    if found is None:
        raise ToolMissing(
            f"{tool.name} was installed but is not on PATH; add its directory to PATH"
        )
    return found


def check_pgbench() -> tuple[str, str]:
    """pgbench from the embedded PostgreSQL wheel, and its version, found by running it."""
    path = embedded.bin_dir() / "pgbench"
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    except OSError as exc:
        raise ToolMissing(
            f"pgbench is missing from the embedded PostgreSQL ({path}: {exc.strerror}); "
            "reinstall the workspace with `make sync`"
        ) from None
    if done.returncode != 0:
        raise ToolMissing(f"{path} --version failed: {(done.stdout + done.stderr).strip()}")
    return str(path), done.stdout.strip()


@dataclass(frozen=True)
class OpenFiles:
    before: int | None
    after: int | None
    hard: int | None
    """None means unlimited."""

    def describe(self) -> str:
        def shown(value: int | None) -> str:
            return "unlimited" if value is None else f"{value:,}"

        if self.after == self.before:
            return f"open-file limit {shown(self.after)} (hard limit {shown(self.hard)})"
        return (
            f"open-file limit raised from {shown(self.before)} to {shown(self.after)} "
            f"(hard limit {shown(self.hard)})"
        )


def _finite(value: int) -> int | None:
    return None if value == resource.RLIM_INFINITY else value


def open_files_limit() -> tuple[int | None, int | None]:
    """This process's soft and hard RLIMIT_NOFILE (None: unlimited); children inherit them."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return _finite(soft), _finite(hard)


def raise_open_files_limit() -> OpenFiles:
    """Raise this process's soft RLIMIT_NOFILE to the hard limit; children inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = UNLIMITED_TARGET if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        # macOS caps the soft limit below an unlimited hard one: then it stays as it was.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    after, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return OpenFiles(before=_finite(soft), after=_finite(after), hard=_finite(hard))


def main() -> int:
    """``make bench-tools``: install what is missing, check the rest, say what was found."""
    # soft_wrap: paths and commands stay on one line, to be copied.
    console = Console(soft_wrap=True)
    err = Console(stderr=True, soft_wrap=True)
    try:
        wrk_path = ensure(WRK, console)
        hey_path = ensure(HEY, console)
        pgbench, pgbench_version = check_pgbench()
    except ProjectError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        return 2
    soft, hard = open_files_limit()
    limits = OpenFiles(before=soft, after=soft, hard=hard)
    console.print(f"wrk: {wrk_path} ({wrk.version(wrk_path)})")
    console.print(f"hey: {hey_path} ({openloop.version(hey_path)})")
    console.print(f"pgbench: {pgbench} ({pgbench_version})")
    spy = profiling.py_spy()
    console.print(
        f"py-spy: {spy}" + (f" ({note})" if (note := profiling.ptrace_note()) else "")
        if spy.exists()
        else "py-spy: missing (`make sync` installs it; only `arena bench --profile` needs it)"
    )
    console.print(f"{limits.describe()}; `arena bench` raises its soft limit to the hard one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
