"""Lines of code per implementation, split by concern, and each one's dependency footprint.

Lines are pygount's code lines (no blanks, no comments, no docstrings). Files map
to concerns through ``CONCERNS``, one table for all three implementations, following
the layouts in the style guide; the first matching pattern wins. Migrations and
``__init__``/``__main__`` files land in "other".

The footprint walks ``importlib.metadata`` requirements (with extras and
environment markers) from ``impl-<name>``, and sums installed sizes from each
distribution's RECORD.
"""

from __future__ import annotations

import fnmatch
import importlib.metadata as metadata
from collections import defaultdict
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

CONCERN_ORDER = (
    "routes/views",
    "schemas/serializers",
    "models",
    "auth",
    "errors",
    "settings/app",
    "other",
)

# (pattern relative to the package directory, concern); first match wins.
CONCERNS: tuple[tuple[str, str], ...] = (
    ("migrations/*", "other"),
    ("*/migrations/*", "other"),
    ("routes/*", "routes/views"),
    ("views.py", "routes/views"),
    ("*/views.py", "routes/views"),
    ("urls.py", "routes/views"),
    ("*/urls.py", "routes/views"),
    ("*/pagination.py", "routes/views"),
    ("schemas.py", "schemas/serializers"),
    ("*/serializers.py", "schemas/serializers"),
    ("parsing.py", "schemas/serializers"),
    ("*/parsers.py", "schemas/serializers"),
    ("models.py", "models"),
    ("*/models.py", "models"),
    ("deps.py", "auth"),
    ("security.py", "auth"),
    ("*/security.py", "auth"),
    ("*/authentication.py", "auth"),
    ("*/permissions.py", "auth"),
    ("problems.py", "errors"),
    ("*/problems.py", "errors"),
    ("app.py", "settings/app"),
    ("db.py", "settings/app"),
    ("middleware.py", "settings/app"),
    ("settings.py", "settings/app"),
    ("wsgi.py", "settings/app"),
    ("asgi.py", "settings/app"),
    ("*/apps.py", "settings/app"),
)


def concern_of(relative: str) -> str:
    for pattern, concern in CONCERNS:
        if fnmatch.fnmatchcase(relative, pattern):
            return concern
    return "other"


def count_code_lines(path: Path) -> int:
    from pygount import SourceAnalysis  # imported late: only this measurement needs it

    return int(SourceAnalysis.from_file(str(path), "impl").code_count)


def lines_by_concern(package_dir: Path) -> dict[str, object]:
    """{"total": n, "concerns": {concern: n}, "files": {relative path: [concern, n]}}."""
    concerns: dict[str, int] = defaultdict(int)
    files: dict[str, list[object]] = {}
    for path in sorted(package_dir.rglob("*.py")):
        relative = path.relative_to(package_dir).as_posix()
        lines = count_code_lines(path)
        concern = concern_of(relative)
        concerns[concern] += lines
        files[relative] = [concern, lines]
    ordered = {name: concerns.get(name, 0) for name in CONCERN_ORDER}
    return {"total": sum(ordered.values()), "concerns": ordered, "files": files}


def _requirements(dist: metadata.Distribution, extras: set[str]) -> list[Requirement]:
    found = []
    environment = {key: str(value) for key, value in default_environment().items()}
    for text in dist.requires or []:
        requirement = Requirement(text)
        if requirement.marker is None:
            found.append(requirement)
            continue
        for extra in extras or {""}:
            if requirement.marker.evaluate({**environment, "extra": extra}):
                found.append(requirement)
                break
    return found


def dependency_closure(root_name: str) -> dict[str, str]:
    """{distribution: version} for everything ``root_name`` needs, itself excluded."""
    seen: dict[str, str] = {}
    extras_seen: dict[str, set[str]] = defaultdict(set)
    stack: list[tuple[str, set[str]]] = [(root_name, set())]
    while stack:
        name, extras = stack.pop()
        key = canonicalize_name(name)
        if key in seen and extras <= extras_seen[key]:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[key] = dist.version
        extras_seen[key] |= extras
        for requirement in _requirements(dist, extras):
            stack.append((requirement.name, set(requirement.extras)))
    seen.pop(canonicalize_name(root_name), None)
    return dict(sorted(seen.items()))


def installed_bytes(name: str) -> int:
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return 0
    total = 0
    for file in dist.files or []:
        if file.size is not None:
            total += int(file.size)
            continue
        located = Path(str(file.locate()))
        if located.is_file():
            total += located.stat().st_size
    return total


def footprint(root_name: str, workspace: set[str]) -> dict[str, object]:
    """Transitive third-party distributions (workspace members excluded) and their size."""
    closure = dependency_closure(root_name)
    third_party = {name: v for name, v in closure.items() if name not in workspace}
    size = sum(installed_bytes(name) for name in third_party)
    return {
        "packages": len(third_party),
        "installed_mb": round(size / 2**20, 1),
        "distributions": third_party,
    }
