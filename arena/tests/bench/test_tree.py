import subprocess
from pathlib import Path

import pytest

from arena.bench import tree


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def _commit(repo: Path, message: str) -> str:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A committed checkout with code, a hand-written page and the generated pages."""
    (tmp_path / "impl").mkdir()
    (tmp_path / "impl" / "app.py").write_text("x = 1\n")
    (tmp_path / "docs" / "results").mkdir(parents=True)
    (tmp_path / "docs" / "contract.md").write_text("# contract\n")
    (tmp_path / "docs" / "results.md").write_text("old\n")
    (tmp_path / "docs" / "results" / "results.json").write_text("{}\n")
    (tmp_path / "docs" / "claims.md").write_text("old\n")
    (tmp_path / "README.md").write_text("readme\n")
    _git(tmp_path, "init", "-q")
    _commit(tmp_path, "start")
    return tmp_path


def test_a_committed_checkout_is_clean(repo):
    found = tree.require_clean(repo, "arena bench")
    assert found.clean
    assert found.commit == _git(repo, "rev-parse", "HEAD")


def test_a_changed_file_makes_the_checkout_dirty_and_strict_mode_names_it(repo):
    (repo / "impl" / "app.py").write_text("x = 2\n")
    assert tree.state(repo).dirty
    with pytest.raises(tree.DirtyTree, match=r"uncommitted changes[\s\S]*impl/app\.py"):
        tree.require_clean(repo, "arena bench")


def test_an_untracked_file_counts_too(repo):
    (repo / "impl" / "new_module.py").write_text("y = 1\n")
    with pytest.raises(tree.DirtyTree, match=r"new_module\.py"):
        tree.require_clean(repo, "arena claims")


def test_a_hand_written_page_counts(repo):
    (repo / "docs" / "contract.md").write_text("# contract, edited\n")
    assert tree.state(repo).dirty


def test_the_pages_these_commands_write_do_not_count(repo):
    (repo / "docs" / "results.md").write_text("new\n")
    (repo / "docs" / "results" / "results.json").write_text('{"new": 1}\n')
    (repo / "docs" / "results" / "latency.png").write_bytes(b"png")
    (repo / "docs" / "claims.md").write_text("new\n")
    (repo / "docs" / "compatibility.md").write_text("new\n")
    (repo / "README.md").write_text("readme with new results\n")
    assert tree.state(repo).changes == ()
    assert tree.require_clean(repo, "arena claims").clean


def test_the_message_lists_a_bounded_number_of_changes(repo):
    for index in range(tree.SHOWN_CHANGES + 3):
        (repo / "impl" / f"m{index}.py").write_text("")
    with pytest.raises(tree.DirtyTree, match=r"and 3 more"):
        tree.require_clean(repo, "arena bench")


def test_outside_a_git_checkout_strict_mode_refuses(tmp_path):
    assert tree.state(tmp_path).commit is None
    assert not tree.state(tmp_path).clean
    with pytest.raises(tree.DirtyTree, match="not a git checkout"):
        tree.require_clean(tmp_path, "arena bench")


def test_two_commits_that_differ_only_in_generated_pages_hold_the_same_code(repo):
    first = _git(repo, "rev-parse", "HEAD")
    (repo / "docs" / "claims.md").write_text("regenerated\n")
    (repo / "README.md").write_text("readme, results block updated\n")
    pages_only = _commit(repo, "results")
    (repo / "impl" / "app.py").write_text("x = 3\n")
    code_change = _commit(repo, "code")
    assert tree.same_code(repo, first, pages_only)
    assert not tree.same_code(repo, first, code_change)
    assert tree.same_code(repo, code_change, code_change)
    assert not tree.same_code(repo, "0" * 40, first)
    assert not tree.same_code(repo, None, first)


def test_a_commit_made_during_a_strict_run_is_caught(repo):
    before = tree.require_clean(repo, "arena bench")
    tree.require_unchanged(repo, before, "arena bench")
    (repo / "impl" / "app.py").write_text("x = 4\n")
    with pytest.raises(tree.DirtyTree, match="changed during the run"):
        tree.require_unchanged(repo, before, "arena bench")
    _commit(repo, "moved on")
    with pytest.raises(tree.DirtyTree, match="changed during the run"):
        tree.require_unchanged(repo, before, "arena bench")
