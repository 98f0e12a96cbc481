from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arena import exercises
from arena.cli import app

REPO = Path(__file__).resolve().parents[2]
IMPLS = ("fastapi", "flask", "drf")
# One model module and one shape module per implementation, in each one's layout.
MODULES = {
    "fastapi": ("models.py", "schemas.py"),
    "flask": ("models.py", "schemas.py"),
    "drf": ("api/models.py", "api/serializers.py"),
}
PASSING = {"passed": 3, "failed": 0, "skipped": 0}
FAILING = {"passed": 1, "failed": 2, "skipped": 0}


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        check=True,
        capture_output=True,
    )


def _summary(root: Path, **outcomes: dict[str, int]) -> None:
    path = root / exercises.SUMMARY
    path.parent.mkdir(parents=True, exist_ok=True)
    implementations = {impl: {"items.create.name-rules": c} for impl, c in outcomes.items()}
    path.write_text(json.dumps({"implementations": implementations}))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A minimal repository as it is before any exercise, committed to git."""
    for number, impl in enumerate(IMPLS):
        _write(tmp_path / f"impl_{impl}/pyproject.toml", f"[tool.arena]\nport = {1 + number}\n")
        package = tmp_path / f"impl_{impl}/src/impl_{impl}"
        models, shapes = MODULES[impl]
        _write(package / models, "class Item:\n    name = 'column'\n")
        # Mentions that are not a field must not count.
        _write(
            package / shapes,
            '"""Shapes; a description of them."""\n\n\n'
            "class ItemRead:\n"
            "    name = field(metadata={'description': 'x'}, description='y')\n"
            "    fields = ('name',)\n",
        )
    _write(tmp_path / exercises.MIGRATIONS / "0001_users_and_items.py", "revision = '0001'\n")
    _write(tmp_path / exercises.CONTRACT_DOC, "# The API contract\n\n- Item: name\n")
    _write(tmp_path / exercises.CONTRACT_TESTS / "test_items.py", "def test_name() -> None: ...\n")
    _write(tmp_path / exercises.FOOTGUN_APP, (REPO / exercises.FOOTGUN_APP).read_text())
    _write(tmp_path / ".gitignore", ".arena/\n__pycache__/\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "start")
    return tmp_path


def _missing(report: exercises.Report) -> list[str]:
    return [check.text for check in report.checks if not check.done]


# --- 1. Run it ---------------------------------------------------------------


class _Healthy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path in ("/health", "/docs") else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def servers(tree: Path) -> Iterator[None]:
    """Something answering /health and /docs on each declared port."""
    running = []
    for impl in IMPLS:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Healthy)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        running.append(server)
        port = server.server_address[1]
        (tree / f"impl_{impl}/pyproject.toml").write_text(f"[tool.arena]\nport = {port}\n")
    yield
    for server in running:
        server.shutdown()
        server.server_close()


def test_run_it_lists_what_is_missing(tree: Path) -> None:
    report = exercises.check_run_it(tree)
    assert not report.complete
    missing = _missing(report)
    assert "fastapi answers GET http://127.0.0.1:1/health with 200" in missing
    assert any("contract-summary.json" in text for text in missing)
    assert all(check.hint for check in report.checks if not check.done)


@pytest.mark.usefixtures("servers")
def test_run_it_done(tree: Path) -> None:
    _summary(tree, flask=PASSING, drf=FAILING)
    report = exercises.check_run_it(tree)
    assert _missing(report) == []
    assert "the last suite run passed for flask" in [c.text for c in report.checks]


@pytest.mark.usefixtures("servers")
def test_run_it_needs_a_passing_run(tree: Path) -> None:
    _summary(tree, drf=FAILING)
    assert _missing(exercises.check_run_it(tree)) == [
        "the last suite run passed for at least one implementation"
    ]


# --- 2. Break it -------------------------------------------------------------


def test_break_it_clean_tree_is_not_done(tree: Path) -> None:
    report = exercises.check_break_it(tree)
    assert not report.complete
    assert "a suite run failed against an implementation you changed" in _missing(report)


def test_break_it_records_the_failure_then_wants_the_tree_restored(tree: Path) -> None:
    schemas = tree / "impl_flask/src/impl_flask/schemas.py"
    original = schemas.read_text()
    schemas.write_text(original.replace("'name',", "'name', 'price_cents',"))
    _summary(tree, flask=FAILING, drf=PASSING)

    broken = exercises.check_break_it(tree)
    assert _missing(broken) == [
        "the implementations match git HEAD again",
        "a later suite run passes for flask again",
    ]
    assert "items.create.name-rules" in broken.notes[0]

    schemas.write_text(original)
    # Restored, but the last run is still the failing one.
    assert "a later suite run passes for flask again" in _missing(exercises.check_break_it(tree))

    _summary(tree, flask=PASSING)
    stat = (tree / exercises.SUMMARY).stat()
    os.utime(tree / exercises.SUMMARY, (stat.st_atime, stat.st_mtime + 10))
    assert exercises.check_break_it(tree).complete


def test_break_it_ignores_failures_of_untouched_implementations(tree: Path) -> None:
    _summary(tree, drf=FAILING)
    assert not (tree / exercises.BREAK_IT_RECORD).exists()
    exercises.check_break_it(tree)
    assert not (tree / exercises.BREAK_IT_RECORD).exists()


# --- 3. Extend it ------------------------------------------------------------


def _extend(tree: Path) -> None:
    _write(
        tree / exercises.MIGRATIONS / "0002_item_description.py",
        """
        import sqlalchemy as sa
        from alembic import op

        revision = "0002"
        down_revision = "0001"


        def upgrade() -> None:
            op.add_column("items", sa.Column("description", sa.Text, nullable=True))
        """,
    )
    for impl in ("fastapi", "flask"):
        package = tree / f"impl_{impl}/src/impl_{impl}"
        with (package / "models.py").open("a") as models:
            models.write("    description: Mapped[str | None] = mapped_column(Text)\n")
        with (package / "schemas.py").open("a") as schemas:
            schemas.write("    description = fields.String(allow_none=True)\n")
    drf = tree / "impl_drf/src/impl_drf/api"
    with (drf / "models.py").open("a") as models:
        models.write("    description = models.TextField(null=True)\n")
    serializers = drf / "serializers.py"
    serializers.write_text(serializers.read_text().replace("('name',)", "('name', 'description')"))
    with (tree / exercises.CONTRACT_DOC).open("a") as contract:
        contract.write("- Item: description, an optional string\n")
    with (tree / exercises.CONTRACT_TESTS / "test_items.py").open("a") as tests:
        tests.write("def test_description() -> None: ...\n")


def test_extend_it_clean_tree_misses_every_piece(tree: Path) -> None:
    report = exercises.check_extend_it(tree)
    assert report.checks
    assert not any(check.done for check in report.checks)
    missing = _missing(report)
    assert "an Alembic revision adds the column items.description" in missing
    assert "drf: a request/response declares description" in missing
    assert "docs/contract.md specifies description" in missing


def test_extend_it_done(tree: Path) -> None:
    _extend(tree)
    report = exercises.check_extend_it(tree)
    assert _missing(report) == []
    assert report.notes[0].startswith("changed so far (against git HEAD): drf 2 file(s)")


def test_extend_it_reports_one_missing_implementation(tree: Path) -> None:
    _extend(tree)
    (tree / "impl_flask/src/impl_flask/models.py").write_text("class Item:\n    name = 1\n")
    assert _missing(exercises.check_extend_it(tree)) == ["flask: a model declares description"]


def test_declares_member_ignores_keywords_and_metadata() -> None:
    source = "class A:\n    x = f(description='d', metadata={'description': 1})\n"
    assert not exercises.declares_member(ast.parse(source), "description")
    assert exercises.declares_member(ast.parse("class A:\n    description: str\n"), "description")


# --- 4. Find the footgun -----------------------------------------------------


def _bench_quick(tree: Path) -> None:
    path = tree / exercises.BENCH_QUICK_RESULTS
    path.parent.mkdir(parents=True, exist_ok=True)
    variants = {"blocking": 2800.0, "async": 0.7}
    footgun = {v: {"fast": {"latency_ms": {"p99": p99}}} for v, p99 in variants.items()}
    path.write_text(json.dumps({"footgun": footgun}))


def test_the_shipped_exercise_app_has_the_footgun() -> None:
    tree = ast.parse((REPO / exercises.FOOTGUN_APP).read_text())
    assert exercises.blocking_calls_in_async(tree) == ["report: count_orders() (line 38)"]


def test_footgun_clean_tree_is_not_done(tree: Path) -> None:
    missing = _missing(exercises.check_footgun(tree))
    assert missing[0] == "`make bench-quick` measured the footgun exhibit"
    assert missing[1].startswith("no async handler in it makes a blocking call (found: report")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("    async def report", "    def report"),
        (
            'return {"orders": count_orders()}',
            'return {"orders": await asyncio.to_thread(count_orders)}',
        ),
    ],
    ids=["plain-def", "to-thread"],
)
def test_footgun_fixed_statically(tree: Path, old: str, new: str) -> None:
    _bench_quick(tree)
    app_file = tree / exercises.FOOTGUN_APP
    app_file.write_text(app_file.read_text().replace(old, new))
    report = exercises.check_footgun(tree)
    assert _missing(report) == []


def test_footgun_fix_must_keep_the_routes(tree: Path) -> None:
    _bench_quick(tree)
    app_file = tree / exercises.FOOTGUN_APP
    app_file.write_text(app_file.read_text().replace('"/report"', '"/gone"'))
    assert "docs/workshop/footgun_app.py still serves /report and /fast" in _missing(
        exercises.check_footgun(tree)
    )


def test_blocking_helpers_are_followed_transitively() -> None:
    source = (
        "import time\n"
        "def inner():\n    time.sleep(1)\n"
        "def outer():\n    inner()\n"
        "async def handler():\n    outer()\n"
        "async def fine():\n    await run_in_threadpool(outer)\n"
    )
    assert exercises.blocking_calls_in_async(ast.parse(source)) == ["handler: outer() (line 7)"]


def test_measurement_tells_blocking_from_fixed(tmp_path: Path) -> None:
    blocking = tmp_path / "blocking" / "footgun_app.py"
    fixed = tmp_path / "fixed" / "footgun_app.py"
    for path in (blocking, fixed):
        path.parent.mkdir()
        shutil.copy(REPO / exercises.FOOTGUN_APP, path)
    fixed.write_text(fixed.read_text().replace("    async def report", "    def report"))
    assert exercises.measure_footgun(blocking, duration_s=1.5) > exercises.SLOW_CALL_MS
    assert exercises.measure_footgun(fixed, duration_s=1.5) < exercises.SLOW_CALL_MS


def test_check_command_exits_non_zero_until_done(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exercises, "project_root", lambda: tree)
    result = CliRunner().invoke(app, ["exercise", "check", "3"])
    assert result.exit_code == 1
    assert "an Alembic revision adds the column items.description" in result.output
    _extend(tree)
    result = CliRunner().invoke(app, ["exercise", "check", "3"])
    assert result.exit_code == 0, result.output
    assert "Exercise 3 is done." in result.output


def _fanout_results(root: Path, shares: dict[str, float]) -> None:
    """A quick sweep's results where each variant got ``share`` of the ceiling at 200 ms."""
    runs = []
    for target, share in shares.items():
        rps = share * 256 / 0.2
        result = {
            "rps": rps,
            "requests": int(rps * 3),
            "errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0},
            "statuses": {"200": int(rps * 3)},
            "latency_ms": {"p50": 200.0, "p99": 400.0, "max": 500.0},
        }
        runs.append({"target": target, "latency_ms": 200, "fanout": 1, "connections": 256,
                     "round": 0, "result": result, "usage": None, "rss_mb": None})  # fmt: skip
    section = {
        "latencies_ms": [10, 200],
        "fanouts": [1],
        "connections": [64, 256],
        "contestants": [{"id": t, "kind": "variant"} for t in shares],
        "runs": runs,
    }
    path = root / exercises.FANOUT_QUICK_RESULTS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"workloads": {"fanout": section}}))


def test_crossover_wants_the_sweep_first(tree: Path) -> None:
    report = exercises.check(5, tree)
    assert not report.complete
    assert "make bench-fanout-quick" in report.checks[0].hint


def test_crossover_is_done_when_every_variant_was_measured(tree: Path) -> None:
    _fanout_results(tree, {"fastapi/uvicorn": 0.9, "flask/gunicorn-gthread": 0.25})
    report = exercises.check(5, tree)
    assert report.complete, [c.text for c in report.checks if not c.done]
    assert report.notes[0].startswith("fastapi/uvicorn: 0.90")


def test_crossover_is_not_done_when_a_variant_is_missing(tree: Path) -> None:
    _fanout_results(tree, {"fastapi/uvicorn": 0.9})
    path = tree / exercises.FANOUT_QUICK_RESULTS
    data = json.loads(path.read_text())
    data["workloads"]["fanout"]["contestants"].append({"id": "drf/uvicorn", "kind": "variant"})
    path.write_text(json.dumps(data))
    report = exercises.check(5, tree)
    assert not report.complete
    assert any("drf/uvicorn" in c.text for c in report.checks if not c.done)
