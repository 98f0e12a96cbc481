"""Earlier revisions of an implementation, served beside the current one: before and after.

``arena bench --revision REV`` measures ``impl_<name>`` as it was at ``REV`` in the same
interleaved run as the current checkout (in the ladder), so a change that claims speed
shows its before and after under the same load, on the same machine, minutes apart.

A revision's tree is exported once with ``git archive`` into ``.arena/revisions/<sha>/``
and served with that tree's ``impl_<name>/src`` and ``shared_db/src`` first on the import
path: its code, with the current environment's installed packages. It uses the
revision's own ``[tool.arena.servers]`` commands (a fix may be a server flag) and no
set-up steps: the schema is the one the benchmark database already has.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from arena.project import Implementation, ProjectError, implementation, root, state_dir


@dataclass(frozen=True)
class Revision:
    requested: str
    sha: str
    subject: str
    tree: Path

    @property
    def short(self) -> str:
        return self.sha[:7]

    def implementation(self, name: str) -> Implementation:
        return implementation(name, checkout=self.tree)

    def env(self, name: str, env: dict[str, str]) -> dict[str, str]:
        paths = [str(self.tree / f"impl_{name}" / "src"), str(self.tree / "shared_db" / "src")]
        if existing := env.get("PYTHONPATH"):
            paths.append(existing)
        return {**env, "PYTHONPATH": ":".join(paths)}

    def to_json(self) -> dict[str, str]:
        return {"requested": self.requested, "sha": self.sha, "subject": self.subject}


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ProjectError(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout.strip()


def checkout(requested: str) -> Revision:
    """``requested`` (any git revision) exported into the state directory, once."""
    sha = _git("rev-parse", "--verify", f"{requested}^{{commit}}")
    subject = _git("log", "-1", "--format=%s", sha)
    tree = state_dir() / "revisions" / sha
    if not tree.is_dir():
        archive = subprocess.run(
            ["git", "archive", "--format=tar", sha], cwd=root(), capture_output=True, check=False
        )
        if archive.returncode != 0:
            raise ProjectError(f"git archive {sha}: {archive.stderr.decode().strip()}")
        partial = tree.with_name(f"{sha}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(partial, filter="data")
        # Renamed when complete: an interrupted export is never mistaken for a tree.
        partial.rename(tree)
    return Revision(requested=requested, sha=sha, subject=subject, tree=tree)
