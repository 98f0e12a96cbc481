"""Where things are: the repository, its state directory, and each implementation's declaration.

Every implementation declares how it is served in its own ``pyproject.toml``
under ``[tool.arena]``; this module reads those declarations, so the harness
has no per-framework branches.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

IMPLEMENTATIONS = ("fastapi", "flask", "drf")


class ProjectError(RuntimeError):
    """The harness cannot run as asked; the message says why and what to do."""


@cache
def root() -> Path:
    """The repository root: ``ARENA_ROOT``, or the nearest parent holding the uv workspace."""
    if env_root := os.environ.get("ARENA_ROOT"):
        return Path(env_root).resolve()
    for candidate in (Path.cwd(), *Path.cwd().parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and "[tool.uv.workspace]" in pyproject.read_text():
            return candidate
    raise ProjectError("run arena inside the repository (or set ARENA_ROOT to it)")


def state_dir() -> Path:
    """Git-ignored local state: embedded Postgres data, logs, pid files, results."""
    path = root() / ".arena"
    path.mkdir(exist_ok=True)
    return path


@dataclass(frozen=True)
class Implementation:
    name: str
    port: int
    app_module: str
    default_server: str
    servers: dict[str, str]
    setup: list[str] = field(default_factory=list)
    # Steps only `arena demo` runs, and only on the embedded demo database (e.g. a demo
    # login for an admin page): never on a DATABASE_URL database.
    demo_setup: list[str] = field(default_factory=list)
    demo_notes: list[str] = field(default_factory=list)
    # Pages beyond the contract's /docs that the browser checks open, by kind
    # ("redoc", "admin"): what an implementation declares it serves must work.
    pages: dict[str, str] = field(default_factory=dict)
    # The contract's conformance levels it meets (docs/contract.md): "core", "io", ...
    levels: tuple[str, ...] = ("core",)
    # The servers the CRUD benchmark measures (empty: all declared); the others serve a
    # level's server models (threads, green threads) and are measured by its workload.
    crud_servers: tuple[str, ...] = ()

    @property
    def benchmarked_servers(self) -> list[str]:
        return [s for s in self.servers if not self.crud_servers or s in self.crud_servers]

    def server_command(self, server: str | None, host: str, port: int, workers: int) -> str:
        chosen = server or self.default_server
        if chosen not in self.servers:
            known = ", ".join(sorted(self.servers))
            raise ProjectError(
                f"{self.name} cannot be served by {chosen!r}; choose one of: {known}"
            )
        return self.servers[chosen].format(host=host, port=port, workers=workers)


def implementation(name: str, checkout: Path | None = None) -> Implementation:
    """``impl_<name>``'s declaration, in this checkout or in another tree of the repository
    (``checkout``: e.g. an earlier revision that a benchmark measures beside this one)."""
    if name not in IMPLEMENTATIONS:
        raise ProjectError(
            f"unknown implementation {name!r}; choose from {', '.join(IMPLEMENTATIONS)}"
        )
    base = checkout or root()
    pyproject = base / f"impl_{name}" / "pyproject.toml"
    if not pyproject.is_file():
        raise ProjectError(f"{pyproject.relative_to(base)} is missing")
    declared = tomllib.loads(pyproject.read_text())["tool"]["arena"]
    return Implementation(
        name=name,
        port=int(declared["port"]),
        app_module=declared["app_module"],
        default_server=declared["default_server"],
        servers=dict(declared["servers"]),
        setup=list(declared.get("setup", [])),
        demo_setup=list(declared.get("demo_setup", [])),
        demo_notes=list(declared.get("demo_notes", [])),
        pages={str(kind): str(path) for kind, path in declared.get("pages", {}).items()},
        levels=tuple(str(level) for level in declared.get("levels", ["core"])),
        crud_servers=tuple(str(server) for server in declared.get("crud_servers", [])),
    )


def available() -> list[Implementation]:
    """Every implementation present in this checkout, in the canonical order."""
    return [
        implementation(name)
        for name in IMPLEMENTATIONS
        if (root() / f"impl_{name}" / "pyproject.toml").is_file()
    ]


def select(names: list[str] | None) -> list[Implementation]:
    return [implementation(name) for name in names] if names else available()
