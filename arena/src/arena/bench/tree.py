"""Which commit a generated page describes, and whether the checkout still is that commit.

A figure in ``docs/`` must name the code it measured. ``arena bench`` and ``arena claims``
record the commit; with ``--strict`` (what ``make bench`` and ``make claims`` run) they
refuse a checkout with uncommitted changes, and without it they mark their output.

The pages these commands write are their output, not the code they measure, so changes
to those pages do not count. That is what lets ``make bench`` and then ``make claims``
run on one commit and be committed together afterwards.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from arena.project import ProjectError

# Written by `arena bench`, `arena report` and `arena claims` (README.md: its results block).
GENERATED = (
    "README.md",
    "docs/results.md",
    "docs/results",
    "docs/claims.md",
    "docs/compatibility.md",
)
# How many uncommitted paths an error message lists before it says "and N more".
SHOWN_CHANGES = 10


class DirtyTree(ProjectError):
    """The checkout is not exactly a commit; the message lists what differs."""


@dataclass(frozen=True)
class TreeState:
    commit: str | None
    """HEAD, or None outside a git checkout."""
    changes: tuple[str, ...]
    """``git status --porcelain`` lines outside the generated pages (untracked files too)."""

    @property
    def dirty(self) -> bool:
        return bool(self.changes)

    @property
    def clean(self) -> bool:
        return self.commit is not None and not self.changes


def _pathspec() -> list[str]:
    # `top`: the same paths whichever directory git runs in.
    return ["--", ".", *(f":(top,exclude){path}" for path in GENERATED)]


def _git(repository: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(repository), *args], capture_output=True, text=True, check=False
    )


def state(repository: Path) -> TreeState:
    head = _git(repository, "rev-parse", "--verify", "HEAD")
    if head.returncode != 0:
        return TreeState(commit=None, changes=())
    status = _git(repository, "status", "--porcelain=v1", "--untracked-files=all", *_pathspec())
    changes = tuple(line for line in status.stdout.splitlines() if line.strip())
    return TreeState(commit=head.stdout.strip(), changes=changes)


def same_code(repository: Path, first: str | None, second: str | None) -> bool:
    """Whether two commits differ at most in the generated pages (False if either is unknown)."""
    if not first or not second:
        return False
    if first == second:
        return True
    diff = _git(repository, "diff", "--quiet", first, second, *_pathspec())
    return diff.returncode == 0


def require_clean(repository: Path, command: str) -> TreeState:
    """The checkout's state; raise ``DirtyTree`` unless it is exactly a commit."""
    found = state(repository)
    if found.commit is None:
        raise DirtyTree(
            f"{command} --strict: {repository} is not a git checkout with a commit, so its "
            "output could not name the code it describes"
        )
    if found.dirty:
        shown = "\n".join(f"  {line}" for line in found.changes[:SHOWN_CHANGES])
        more = len(found.changes) - SHOWN_CHANGES
        raise DirtyTree(
            f"{command} --strict: the checkout has uncommitted changes, so the output would "
            f"not describe commit {found.commit[:12]}:\n{shown}"
            + (f"\n  ... and {more} more" if more > 0 else "")
            + "\nCommit (or stash) them and run it again; without --strict the output is "
            "written and marked as coming from a modified tree."
        )
    return found


def require_unchanged(repository: Path, before: TreeState, command: str) -> None:
    """Raise ``DirtyTree`` if the checkout moved away from ``before`` while a run measured it."""
    now = state(repository)
    if now.commit != before.commit or now.dirty:
        raise DirtyTree(
            f"{command} --strict: the checkout changed during the run (it was commit "
            f"{str(before.commit)[:12]}, clean; it is now {str(now.commit)[:12]}"
            + (f" with {len(now.changes)} uncommitted changes" if now.dirty else "")
            + "): nothing was written"
        )
