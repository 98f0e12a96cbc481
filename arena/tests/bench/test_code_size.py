import pytest

from arena.bench import code_size


@pytest.mark.parametrize(
    ("path", "concern"),
    [
        ("routes/items.py", "routes/views"),
        ("api/views.py", "routes/views"),
        ("urls.py", "routes/views"),
        ("schemas.py", "schemas/serializers"),
        ("api/serializers.py", "schemas/serializers"),
        ("models.py", "models"),
        ("api/models.py", "models"),
        ("deps.py", "auth"),
        ("security.py", "auth"),
        ("api/authentication.py", "auth"),
        ("api/permissions.py", "auth"),
        ("problems.py", "errors"),
        ("api/problems.py", "errors"),
        ("app.py", "settings/app"),
        ("settings.py", "settings/app"),
        ("wsgi.py", "settings/app"),
        ("db.py", "settings/app"),
        ("api/migrations/0001_initial.py", "other"),
        ("__init__.py", "other"),
        ("something_new.py", "other"),
    ],
)
def test_files_map_to_concerns_by_one_table(path, concern):
    assert code_size.concern_of(path) == concern


def test_lines_by_concern_counts_code_lines_only(tmp_path):
    (tmp_path / "routes").mkdir()
    (tmp_path / "routes" / "items.py").write_text(
        '"""Docstring."""\n\n# comment\nimport os\n\n\ndef f():\n    return os.sep\n'
    )
    (tmp_path / "models.py").write_text("x = 1\n")
    counted = code_size.lines_by_concern(tmp_path)
    assert counted["concerns"]["routes/views"] == 3
    assert counted["concerns"]["models"] == 1
    assert counted["total"] == 4
    assert list(counted["concerns"]) == list(code_size.CONCERN_ORDER)


def test_dependency_closure_follows_requirements_and_extras():
    closure = code_size.dependency_closure("arena")
    assert "typer" in closure
    assert "click" in closure  # typer's own dependency
    assert "arena" not in closure
