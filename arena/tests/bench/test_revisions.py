import pytest

from arena.bench import revisions
from arena.project import ProjectError


def test_a_revision_is_exported_once_and_serves_its_own_code(tmp_path, monkeypatch):
    monkeypatch.setattr(revisions, "state_dir", lambda: tmp_path)
    first = revisions.checkout("HEAD")
    assert (first.tree / "impl_fastapi" / "src" / "impl_fastapi").is_dir()
    assert first.implementation("fastapi").servers  # that tree's own [tool.arena]
    env = first.env("fastapi", {"PYTHONPATH": "elsewhere"})
    paths = env["PYTHONPATH"].split(":")
    # The revision's code comes before anything installed or inherited.
    assert paths == [
        str(first.tree / "impl_fastapi" / "src"),
        str(first.tree / "shared_db" / "src"),
        "elsewhere",
    ]
    (first.tree / "marker").write_text("kept")
    again = revisions.checkout(first.sha)
    assert again.tree == first.tree
    assert (again.tree / "marker").is_file()


def test_an_unknown_revision_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(revisions, "state_dir", lambda: tmp_path)
    with pytest.raises(ProjectError, match="git rev-parse"):
        revisions.checkout("no-such-revision-anywhere")
