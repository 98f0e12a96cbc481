"""Checkers for the workshop's exercises (docs/workshop/): what is done, what is still missing.

``arena exercise check N`` looks at the repository (and, for the first exercise, the
running servers) and says in plain words what is left. Every checker takes the
repository root as a parameter, so tests point it at a copy in a temporary
directory. Nothing here knows one framework from another: the implementations are
found as ``impl_<name>`` packages and their files sorted by concern as
``arena bench`` sorts them.
"""

from __future__ import annotations

import ast
import asyncio
import json
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console

from arena import contract
from arena.bench.code_size import concern_of
from arena.compare import package_dirs
from arena.project import root as project_root

SUMMARY = Path(".arena") / "results" / "contract-summary.json"
BREAK_IT_RECORD = Path(".arena") / "exercises" / "break-it.json"
BENCH_QUICK_RESULTS = Path(".arena") / "bench-quick" / "results.json"
MIGRATIONS = Path("shared_db") / "src" / "shared_db" / "migrations" / "versions"
CONTRACT_DOC = Path("docs") / "contract.md"
CONTRACT_TESTS = Path("contract_tests") / "src" / "contract_tests"
FOOTGUN_APP = Path("docs") / "workshop" / "footgun_app.py"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Check:
    """One thing the exercise asks for; ``hint`` says how to get there when it is missing."""

    done: bool
    text: str
    hint: str = ""


@dataclass
class Report:
    number: int
    title: str
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return all(check.done for check in self.checks)

    def add(self, done: bool, text: str, hint: str = "") -> None:
        self.checks.append(Check(done, text, "" if done else hint))


# --- 1. Run it ---------------------------------------------------------------


def declared_ports(root: Path) -> dict[str, int]:
    """``{implementation: port}`` from each ``[tool.arena]`` block."""
    ports = {}
    for name in package_dirs(root):
        pyproject = root / f"impl_{name}" / "pyproject.toml"
        ports[name] = int(tomllib.loads(pyproject.read_text())["tool"]["arena"]["port"])
    return ports


def _answers(url: str, expect: int = 200) -> bool:
    try:
        return httpx.get(url, timeout=3.0).status_code == expect
    except httpx.HTTPError:
        return False


def _passing(summary: contract.Summary) -> list[str]:
    """Implementations (not cross pairs) for which every rule tested passed."""
    failing = contract.failing_rules(summary)
    return [
        impl
        for impl, rules in summary.items()
        if impl not in failing and any(c["passed"] for c in rules.values())
    ]


def _load_summary(root: Path) -> contract.Summary | None:
    try:
        return contract.load_summary(root / SUMMARY)
    except (OSError, ValueError, KeyError):
        return None


def check_run_it(root: Path) -> Report:
    report = Report(1, "Run it")
    for name, port in declared_ports(root).items():
        base = f"http://{HOST}:{port}"
        report.add(
            _answers(f"{base}/health"),
            f"{name} answers GET {base}/health with 200",
            "start everything with `make demo` (it leaves the servers running)",
        )
        report.add(
            _answers(f"{base}/docs"),
            f"{name} serves its Swagger UI at {base}/docs",
            "open it in a browser once the server runs; try a request from it",
        )
    summary = _load_summary(root)
    report.add(
        summary is not None,
        f"a contract suite run left its results in {SUMMARY}",
        "run the suite against one framework: `uv run arena test flask`",
    )
    passing = _passing(summary or {})
    report.add(
        bool(passing),
        "the last suite run passed for "
        + (", ".join(passing) if passing else "at least one implementation"),
        "read the failures the suite printed: each names the contract rule it checks",
    )
    return report


# --- 2. Break it -------------------------------------------------------------


def _git(root: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return result.stdout if result.returncode == 0 else None


def changed_implementations(root: Path) -> dict[str, list[str]]:
    """``{implementation: [changed files]}``: edits and new files against git HEAD."""
    status = _git(root, "status", "--porcelain", "--untracked-files=all", "--", *_impl_dirs(root))
    changed: dict[str, list[str]] = {}
    for line in (status or "").splitlines():
        path = line[3:].split(" -> ")[-1].strip('"')
        if path.endswith(".pyc") or "__pycache__" in path:
            continue
        name = path.split("/", 1)[0].removeprefix("impl_")
        changed.setdefault(name, []).append(path)
    return changed


def _impl_dirs(root: Path) -> list[str]:
    return [f"impl_{name}" for name in package_dirs(root)]


def check_break_it(root: Path) -> Report:
    report = Report(2, "Break it")
    if _git(root, "rev-parse", "HEAD") is None:
        report.add(False, "the repository is a git checkout", "clone it with git")
        return report
    record_path = root / BREAK_IT_RECORD
    record: dict[str, Any] = json.loads(record_path.read_text()) if record_path.is_file() else {}
    changed = changed_implementations(root)
    summary = _load_summary(root)
    summary_time = (root / SUMMARY).stat().st_mtime if summary is not None else 0.0
    failing = contract.failing_rules(summary or {})
    broken_now = {impl: rules for impl, rules in failing.items() if impl in changed}
    if broken_now and "broken" not in record:
        impl, rules = sorted(broken_now.items())[0]
        record = {"broken": {"implementation": impl, "rules": rules, "files": changed[impl]}}
        record["broken"]["at"] = summary_time
        record_path.parent.mkdir(parents=True, exist_ok=True)
        record_path.write_text(json.dumps(record, indent=2) + "\n")
    broken = record.get("broken")
    if broken:
        report.notes.append(
            f"recorded: the suite failed {', '.join(broken['rules'])} against "
            f"{broken['implementation']} after you changed {', '.join(broken['files'])}"
        )
    report.add(
        broken is not None,
        "a suite run failed against an implementation you changed",
        "change one validation rule in one implementation (say the 100-code-point name "
        "limit), run `uv run arena test <that one>`, then run this check again",
    )
    report.add(
        broken is not None and not changed,
        "the implementations match git HEAD again",
        "undo your change: `git diff impl_*` shows it, `git checkout -- <file>` restores it",
    )
    if broken:
        impl = broken["implementation"]
        passed_after = (
            summary is not None
            and impl in summary
            and impl not in failing
            and summary_time > float(broken["at"])
        )
    else:
        impl, passed_after = "the implementation you broke", False
    report.add(
        passed_after and not changed,
        f"a later suite run passes for {impl} again",
        "run the suite again on the restored code: `uv run arena test <name>`",
    )
    return report


# --- 3. Extend it ------------------------------------------------------------


def _parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None


def _adds_description(tree: ast.Module) -> bool:
    """An ``op.add_column("items", ...)`` whose column is named ``description``."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_column"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "items"
        ):
            names = {n.value for n in ast.walk(node) if isinstance(n, ast.Constant)}
            if "description" in names:
                return True
    return False


def declares_member(tree: ast.Module, member: str) -> bool:
    """A class attribute named ``member`` (a model or schema field), or ``member`` listed in
    a ``fields = (...)`` of a class (a DRF-style serializer ``Meta``).

    Mentions in docstrings, ``description=`` keywords or OpenAPI metadata do not count.
    """
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        for statement in node.body:
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(statement, ast.Assign):
                targets, value = statement.targets, statement.value
            elif isinstance(statement, ast.AnnAssign):
                targets, value = [statement.target], statement.value
            for target in targets:
                if isinstance(target, ast.Name) and target.id == member:
                    return True
                if (
                    isinstance(target, ast.Name)
                    and target.id == "fields"
                    and isinstance(value, ast.Tuple | ast.List)
                    and any(isinstance(e, ast.Constant) and e.value == member for e in value.elts)
                ):
                    return True
    return False


def _files_of_concern(package: Path, concern: str) -> Iterator[Path]:
    for path in sorted(package.rglob("*.py")):
        if concern_of(path.relative_to(package).as_posix()) == concern:
            yield path


def _diff_sizes(root: Path) -> dict[str, tuple[int, int, int]]:
    """``{implementation: (files, added, removed)}`` against git HEAD, new files included."""
    sizes: dict[str, tuple[int, int, int]] = {}
    numstat = _git(root, "diff", "--numstat", "HEAD", "--", *_impl_dirs(root)) or ""
    for line in numstat.splitlines():
        added, removed, path = line.split("\t", 2)
        name = path.split("/", 1)[0].removeprefix("impl_")
        files, plus, minus = sizes.get(name, (0, 0, 0))
        if added.isdigit() and removed.isdigit():
            sizes[name] = (files + 1, plus + int(added), minus + int(removed))
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "--", *_impl_dirs(root))
    for path in (untracked or "").splitlines():
        name = path.split("/", 1)[0].removeprefix("impl_")
        files, plus, minus = sizes.get(name, (0, 0, 0))
        try:
            lines = len((root / path).read_text(encoding="utf-8").splitlines())
        except (OSError, UnicodeDecodeError):
            lines = 0
        sizes[name] = (files + 1, plus + lines, minus)
    return sizes


def check_extend_it(root: Path) -> Report:
    report = Report(3, "Extend it: items get an optional description")
    revisions = sorted((root / MIGRATIONS).glob("*.py"))
    adds = [p for p in revisions if (tree := _parse(p)) is not None and _adds_description(tree)]
    report.add(
        bool(adds),
        "an Alembic revision adds the column items.description"
        + (f" ({adds[0].name})" if adds else ""),
        f"add a revision in {MIGRATIONS.as_posix()}/ (revises the head, "
        '`op.add_column("items", sa.Column("description", ...))`, and a downgrade)',
    )
    for name, package in package_dirs(root).items():
        for concern, what in (("models", "model"), ("schemas/serializers", "request/response")):
            files = list(_files_of_concern(package, concern))
            found = [
                p for p in files if (tree := _parse(p)) and declares_member(tree, "description")
            ]
            shown = ", ".join(p.relative_to(root).as_posix() for p in (found or files))
            report.add(
                bool(found),
                f"{name}: a {what} declares description" + (f" ({shown})" if found else ""),
                f"declare the field (looked in: {shown or 'no ' + concern + ' module found'})",
            )
    contract_doc = root / CONTRACT_DOC
    text = contract_doc.read_text(encoding="utf-8") if contract_doc.is_file() else ""
    report.add(
        "description" in text,
        f"{CONTRACT_DOC.as_posix()} specifies description",
        "write the rule first: add it to the Item resource and to the create/update rules "
        "(type, length, optional, null or not), and bump the version if old clients break",
    )
    tests = sorted((root / CONTRACT_TESTS).glob("test_*.py"))
    mentioning = [p for p in tests if "description" in p.read_text(encoding="utf-8")]
    report.add(
        bool(mentioning),
        "a contract test checks description"
        + (f" ({', '.join(p.name for p in mentioning)})" if mentioning else ""),
        f"add a test in {CONTRACT_TESTS.as_posix()}/test_items.py marked with the new rule id",
    )
    sizes = _diff_sizes(root)
    if sizes:
        report.notes.append(
            "changed so far (against git HEAD): "
            + "; ".join(
                f"{name} {files} file(s), +{plus} -{minus}"
                for name, (files, plus, minus) in sorted(sizes.items())
            )
        )
    return report


# --- 4. Find the footgun -----------------------------------------------------

# Calls that block the thread they run on. Inside ``async def`` that thread is the
# event loop's, and every other request waits.
BLOCKING_CALLS = frozenset(
    {
        "time.sleep",
        "requests.get",
        "requests.post",
        "requests.request",
        "urllib.request.urlopen",
        "psycopg.connect",
        "psycopg2.connect",
        "subprocess.run",
        "subprocess.check_output",
        "socket.create_connection",
    }
)


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _own_calls(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.Call]:
    """Calls in a function's own body, not in functions defined inside it."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.Call):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _functions(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def blocking_calls_in_async(tree: ast.Module) -> list[str]:
    """``"handler: call (line n)"`` for each blocking call made directly inside ``async def``.

    A plain function of the same module that (transitively) makes a blocking call
    counts as blocking too. Handing it to a thread (``run_in_threadpool(f)``,
    ``asyncio.to_thread(f)``) passes it without calling it, so it is not reported.
    """
    sync_functions = {f.name: f for f in _functions(tree) if isinstance(f, ast.FunctionDef)}
    blocking: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, function in sync_functions.items():
            if name in blocking:
                continue
            for call in _own_calls(function):
                callee = _dotted(call.func)
                if callee in BLOCKING_CALLS or callee in blocking:
                    blocking.add(name)
                    changed = True
                    break
    found = []
    for handler in _functions(tree):
        if not isinstance(handler, ast.AsyncFunctionDef):
            continue
        for call in _own_calls(handler):
            callee = _dotted(call.func)
            if callee in BLOCKING_CALLS or callee in blocking:
                found.append(f"{handler.name}: {callee}() (line {call.lineno})")
    return sorted(found)


def _routes(tree: ast.Module) -> set[str]:
    """Paths given to route decorators such as ``@app.get("/report")``."""
    paths = set()
    for function in _functions(tree):
        for decorator in function.decorator_list:
            if isinstance(decorator, ast.Call) and decorator.args:
                first = decorator.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    paths.add(first.value)
    return paths


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


async def _load(base: str, duration_s: float, slow_clients: int) -> list[float]:
    """``/fast`` latencies (ms), one request at a time, while ``/report`` is kept busy."""
    deadline = time.monotonic() + duration_s
    limits = httpx.Limits(max_connections=slow_clients + 1)
    async with httpx.AsyncClient(base_url=base, timeout=30.0, limits=limits) as client:

        async def slow() -> None:
            while time.monotonic() < deadline:
                await client.get("/report")

        async def fast() -> list[float]:
            await asyncio.sleep(0.2)  # let the slow requests queue up first
            latencies = []
            while time.monotonic() < deadline:
                started = time.perf_counter()
                await client.get("/fast")
                latencies.append((time.perf_counter() - started) * 1000)
            return latencies

        slow_clients_running = [asyncio.create_task(slow()) for _ in range(slow_clients)]
        latencies = await fast()
        await asyncio.gather(*slow_clients_running)
    return latencies


def measure_footgun(app_file: Path, duration_s: float = 2.0, slow_clients: int = 8) -> float:
    """Serve ``app_file`` with one uvicorn worker; the p99 of ``/fast`` (ms) under load."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        f"{app_file.stem}:create_app",
        "--app-dir",
        str(app_file.parent),
        "--host",
        HOST,
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    base = f"http://{HOST}:{port}"
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not _answers(f"{base}/fast"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{app_file.name} did not start (exit code {process.poll()})")
            time.sleep(0.1)
        latencies = asyncio.run(_load(base, duration_s, slow_clients))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return _percentile(latencies, 0.99)


def _bench_quick_footgun(root: Path) -> dict[str, float] | None:
    """``{variant: /fast p99 ms}`` from the last ``make bench-quick``, if it ran the exhibit."""
    try:
        footgun = json.loads((root / BENCH_QUICK_RESULTS).read_text())["footgun"]
        return {
            variant: float(footgun[variant]["fast"]["latency_ms"]["p99"])
            for variant in ("idle", "blocking", "threadpool", "async")
            if variant in footgun
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check_footgun(root: Path, measure: bool = False) -> Report:
    report = Report(4, "Find the footgun")
    measured = _bench_quick_footgun(root)
    summary = ", ".join(f"{v} {p99:.1f} ms" for v, p99 in (measured or {}).items())
    report.add(
        bool(measured and "blocking" in measured),
        "`make bench-quick` measured the footgun exhibit"
        + (f" (/fast p99: {summary})" if measured else ""),
        f"run `make bench-quick` and read the footgun section of {BENCH_QUICK_RESULTS.parent}/"
        "results.md",
    )
    app_file = root / FOOTGUN_APP
    tree = _parse(app_file)
    if tree is None:
        report.add(False, f"{FOOTGUN_APP.as_posix()} exists and parses", "restore it from git")
        return report
    report.add(
        {"/report", "/fast"} <= _routes(tree),
        f"{FOOTGUN_APP.as_posix()} still serves /report and /fast",
        "fix the handler, do not delete it: both routes must stay",
    )
    blocking = blocking_calls_in_async(tree)
    report.add(
        not blocking,
        "no async handler in it makes a blocking call"
        + (f" (found: {'; '.join(blocking)})" if blocking else ""),
        "inside `async def` a blocking call holds the event loop: make the handler a plain "
        "`def`, or hand the call to a thread (`await run_in_threadpool(f)`), or await an "
        "async equivalent",
    )
    if measure:
        try:
            p99 = measure_footgun(app_file)
        except RuntimeError as exc:
            report.add(False, f"the app serves requests ({exc})", "run it by hand to see why")
        else:
            report.add(
                p99 < SLOW_CALL_MS,
                f"/fast p99 is {p99:.1f} ms while /report is under load "
                f"(it must stay below one slow call, {SLOW_CALL_MS:.0f} ms)",
                "something still blocks the event loop while /report runs",
            )
    else:
        report.notes.append("add --measure to time /fast while /report is under load")
    return report


# The exercise app's slow call takes 50 ms: a /fast request that waits longer than
# one slow call was queued behind one.
SLOW_CALL_MS = 50.0

FANOUT_QUICK_RESULTS = Path(".arena") / "bench-fanout-quick" / "results.json"


def _fanout_sweep(root: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((root / FANOUT_QUICK_RESULTS).read_text())
        section: dict[str, Any] = data["workloads"]["fanout"]
        return section
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check_crossover(root: Path) -> Report:
    """Exercise 5: the quick fan-out sweep ran, over threads and an event loop."""
    from arena.bench.workloads import fanout

    report = Report(5, "Find the latency at which threads stop scaling")
    section = _fanout_sweep(root)
    report.add(
        section is not None,
        "`make bench-fanout-quick` measured the fan-out sweep",
        f"run `make bench-fanout-quick`; it writes {FANOUT_QUICK_RESULTS.parent}/results.md",
    )
    if section is None:
        return report
    kinds = {c["id"]: c["kind"] for c in section.get("contestants", [])}
    # At the longest latency and the most connections each variant's share of the
    # ceiling says where its server model, or something else, stopped it.
    longest = max(section.get("latencies_ms") or [0])
    most = max(section.get("connections") or [0])
    shares = {
        cell.target: cell.rps.median / fanout.ceiling(cell.connections, cell.latency_ms)
        for cell in fanout.cells(section)
        if kinds.get(cell.target) == "variant"
        and cell.latency_ms == longest
        and cell.connections == most
    }
    variants = sorted(c["id"] for c in section.get("contestants", []) if c["kind"] == "variant")
    missing = [v for v in variants if v not in shares]
    report.add(
        bool(variants) and not missing,
        f"every io variant was measured at {longest:g} ms and {most} connections"
        + (f" (missing: {', '.join(missing)})" if missing else ""),
        "every implementation must declare level io and start: read the notes of results.md",
    )
    latencies = section.get("latencies_ms") or []
    report.add(
        len(latencies) >= 2,
        "it covers at least two downstream latencies" + (f" ({latencies})" if latencies else ""),
        "keep the quick sweep's latencies: the crossover is between them",
    )
    for target, share in sorted(shares.items(), key=lambda pair: -pair[1]):
        report.notes.append(f"{target}: {share:.2f} of the ceiling at {longest:g} ms, {most} conn.")
    return report


CHECKERS: dict[int, Callable[[Path], Report]] = {
    1: check_run_it,
    2: check_break_it,
    3: check_extend_it,
    4: check_footgun,
    5: check_crossover,
}


def check(number: int, root: Path, *, measure: bool = False) -> Report:
    if number == 4:
        return check_footgun(root, measure=measure)
    return CHECKERS[number](root)


# --- the command -------------------------------------------------------------

cli = typer.Typer(help="The workshop's exercises (docs/workshop/).", no_args_is_help=True)


def print_report(console: Console, report: Report) -> None:
    console.print(f"[bold]Exercise {report.number}: {report.title}[/]")
    for item in report.checks:
        mark = "[green]✓[/]" if item.done else "[red]✗[/]"
        console.print(f"  {mark} {item.text}", highlight=False)
        if item.hint:
            console.print(f"      [dim]→ {item.hint}[/]", highlight=False)
    for note in report.notes:
        console.print(f"  [cyan]·[/] {note}", highlight=False)
    left = sum(not item.done for item in report.checks)
    if left:
        console.print(f"[yellow]{left} of {len(report.checks)} still to do.[/]")
    else:
        console.print(f"[bold green]Exercise {report.number} is done.[/]")


@cli.command("check")
def check_command(
    number: Annotated[int, typer.Argument(min=1, max=len(CHECKERS), help="The exercise, 1 to 5.")],
    measure: Annotated[
        bool, typer.Option(help="Exercise 4: also time /fast while /report is under load.")
    ] = False,
) -> None:
    """Say what the exercise still needs, in plain words; exit 1 until it is done."""
    report = check(number, project_root(), measure=measure)
    print_report(Console(), report)
    raise typer.Exit(0 if report.complete else 1)
