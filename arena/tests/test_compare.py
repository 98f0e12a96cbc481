from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from arena import compare
from arena.cli import app

REPO = Path(__file__).resolve().parents[2]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def fake_root(tmp_path: Path) -> Path:
    _write(
        tmp_path / "impl_fastapi/src/impl_fastapi/routes/items.py",
        '''
        from x import router


        # contract: items.create
        # Why this is written so.
        @router.post("")
        async def create_item(body: dict) -> dict:
            """Docstrings are not code lines."""
            return body


        # contract: items.list
        # contract: validation
        LIMIT = 20


        class ItemViewSet:
            # contract: items.delete
            def perform_destroy(self, item: object) -> None:
                pass
        ''',
    )
    _write(
        tmp_path / "impl_drf/src/impl_drf/api/views.py",
        """
        # contract: items.create, items.list
        class ItemViewSet:
            queryset = None

            # contract: items.create
            def perform_create(self, serializer: object) -> None:
                serializer.save()
        """,
    )
    return tmp_path


def test_every_operation_is_marked_in_every_implementation() -> None:
    pieces = compare.extract(REPO)
    implementations = list(compare.package_dirs(REPO))
    assert implementations == ["fastapi", "flask", "drf"]
    assert compare.missing_markers(pieces, implementations) == []


def test_extraction_is_deterministic() -> None:
    assert compare.extract(REPO) == compare.extract(REPO)
    assert compare.markdown(REPO) == compare.markdown(REPO)


def test_side_by_side_doc_is_current() -> None:
    assert compare.is_current(REPO), (
        f"{compare.DOC_PATH} does not match the markers and code: run `arena compare --write`"
    )


def test_operation_rules_exist_in_the_contract() -> None:
    ids = compare.contract_rule_ids(REPO)
    assert ids, "no rule ids found in docs/contract.md"
    for operation in compare.OPERATIONS:
        for rule in operation.rules:
            matches = [i for i in ids if i == rule or (rule.endswith(".") and i.startswith(rule))]
            assert matches, f"{operation.name}: {rule} names no contract rule"


def test_marker_attaches_to_the_next_definition(fake_root: Path) -> None:
    pieces = {p.name: p for p in compare.extract(fake_root) if p.implementation == "fastapi"}
    create = pieces["create_item"]
    assert create.operations == ("items.create",)
    # The comment under the marker and the decorator belong to the piece.
    assert create.code.startswith("# Why this is written so.\n@router.post")
    assert create.start == 6
    assert create.path == "impl_fastapi/src/impl_fastapi/routes/items.py"
    assert create.concern == "routes/views"
    assert create.code_lines == 3  # decorator, def, return
    # Stacked markers act as one; assignments can be marked.
    assert pieces["LIMIT"].operations == ("items.list", "validation")
    # Methods are named after their class and dedented.
    method = pieces["ItemViewSet.perform_destroy"]
    assert method.code.startswith("def perform_destroy")


def test_a_piece_inside_a_marked_class_is_not_counted_twice(fake_root: Path) -> None:
    pieces = compare.extract(fake_root)
    create = compare.for_operation(pieces, "items.create")["drf"]
    assert [p.name for p in create] == ["ItemViewSet"]
    assert compare.lines_per_concern(create) == {"routes/views": 4}


def test_unknown_operations_and_dangling_markers_are_errors(tmp_path: Path) -> None:
    module = tmp_path / "impl_flask/src/impl_flask/app.py"
    _write(module, "# contract: items.crate\ndef f() -> None:\n    pass\n")
    with pytest.raises(
        compare.MarkerError, match=r"app.py:1: .*items.crate; did you mean items.create"
    ):
        compare.extract(tmp_path)
    _write(module, "def f() -> None:\n    x = 1\n    # contract: health\n\n")
    with pytest.raises(compare.MarkerError, match="right above a definition"):
        compare.extract(tmp_path)


def test_labels_that_are_not_operations_are_ignored(tmp_path: Path) -> None:
    _write(
        tmp_path / "impl_flask/src/impl_flask/app.py",
        "# contract: bodies.hostile-json\ndef f() -> None:\n    pass\n\n\n"
        "# contract: openapi.document, health\ndef g() -> None:\n    pass\n",
    )
    pieces = compare.extract(tmp_path)
    assert [(p.name, p.operations) for p in pieces] == [("g", ("health",))]


def test_markers_only_count_as_comments(tmp_path: Path) -> None:
    _write(tmp_path / "impl_flask/src/impl_flask/app.py", 'TEXT = """\n# contract: health\n"""\n')
    assert compare.extract(tmp_path) == []


def test_count_code_lines_skips_blanks_comments_and_docstrings() -> None:
    code = 'def f() -> int:\n    """Doc."""\n    # why\n\n    return 1\n'
    assert compare.count_code_lines(code) == 2


def _rendered(width: int, layout: str = "auto") -> str:
    pieces = compare.extract(REPO)
    operation = compare.resolve("items.create")
    console = Console(width=width, record=True, color_system=None)
    implementations = list(compare.package_dirs(REPO))
    by_impl = compare.for_operation(pieces, operation.name)
    console.print(compare.render(operation, by_impl, implementations, width, layout))
    return console.export_text()


def test_wide_terminals_get_columns_narrow_ones_stacked_panels() -> None:
    def titles_on_one_line(text: str) -> bool:
        return any("─ fastapi" in line and "─ drf" in line for line in text.splitlines())

    assert titles_on_one_line(_rendered(240))
    assert not titles_on_one_line(_rendered(120))
    assert titles_on_one_line(_rendered(120, "columns"))


def test_unknown_operation_is_a_friendly_error() -> None:
    with pytest.raises(compare.ProjectError, match="choose from: health"):
        compare.resolve("items.crate")


def test_compare_command_shows_one_operation() -> None:
    result = CliRunner().invoke(app, ["compare", "items.create", "--layout", "stacked"])
    assert result.exit_code == 0, result.output
    for expected in ("create_item", "perform_create", "ItemCreate", "ItemWrite"):
        assert expected in result.output


def test_compare_command_lists_operations_and_checks_the_doc() -> None:
    result = CliRunner().invoke(app, ["compare"])
    assert result.exit_code == 0, result.output
    assert "auth.current-user" in result.output
    assert CliRunner().invoke(app, ["compare", "--check"]).exit_code == 0
