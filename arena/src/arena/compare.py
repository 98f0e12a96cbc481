"""Side by side: the code each implementation wrote for one contract operation.

The mapping lives in the implementations, not here. A marker comment placed right
above a definition names the operations it serves::

    # contract: items.create, items.update
    class ItemWrite(StrictModelSerializer): ...

Labels that are not operations (a contract rule id, say) may share the line and
are ignored here; a label that looks like a misspelt operation is an error. The
marker attaches to the next statement (a ``def``, a ``class`` with its
decorators, or a module-level assignment such as Django's ``REST_FRAMEWORK``);
comment lines between the marker and that statement belong to the piece, as they
usually say why. The harness has no per-framework branches: it reads markers from
every ``impl_<name>`` package the same way.

Lines are counted like ``arena bench`` counts them (pygount code lines: no blanks,
comments or docstrings), per concern as ``arena.bench.code_size`` maps files to
concerns.
"""

from __future__ import annotations

import ast
import difflib
import io
import re
import textwrap
import tokenize
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from arena.bench.code_size import CONCERN_ORDER, concern_of, lines_by_concern
from arena.project import IMPLEMENTATIONS, ProjectError

MARKER = re.compile(r"#\s*contract:\s*(?P<operations>\S.*?)\s*$")
DOC_PATH = Path("docs") / "side-by-side.md"
# Below this terminal width the three implementations stack instead of sitting in columns.
COLUMNS_MIN_WIDTH = 180
LAYOUTS = ("auto", "columns", "stacked")


@dataclass(frozen=True)
class Operation:
    name: str
    summary: str
    rules: tuple[str, ...]  # contract rule ids, or id prefixes ending in "."


OPERATIONS: tuple[Operation, ...] = (
    Operation("health", "GET /health: a database round trip, 503 when it fails.", ("health.",)),
    Operation(
        "auth.register",
        "POST /auth/register: validate, hash with argon2id, let the unique constraint decide.",
        ("auth.register.",),
    ),
    Operation(
        "auth.token",
        "POST /auth/token: check the password (same answer for unknown users), issue a JWT.",
        ("auth.token.", "auth.jwt.claims"),
    ),
    Operation("users.me", "GET /me: the token's user.", ("users.me",)),
    Operation(
        "items.list",
        "GET /items: a page ordered by id, strict limit/offset, X-Total-Count.",
        ("items.list.",),
    ),
    Operation(
        "items.create",
        "POST /items: validate, store with the token's user as owner, 201 with Location.",
        ("items.create.",),
    ),
    Operation(
        "items.retrieve",
        "GET /items/{id}: the item, or 404 for any id the column cannot hold.",
        ("items.retrieve.",),
    ),
    Operation(
        "items.update",
        "PATCH /items/{id}: any subset of the members, owner only.",
        ("items.update.",),
    ),
    Operation("items.delete", "DELETE /items/{id}: 204, owner only.", ("items.delete.",)),
    Operation(
        "auth.current-user",
        "Token verification: Bearer only, HS256, sub/iat/exp required, the user must exist.",
        ("auth.bearer.", "auth.jwt.claims", "auth.jwt.portable"),
    ),
    Operation(
        "auth.ownership",
        "The one owner check behind PATCH and DELETE (403).",
        ("items.update.forbidden",),
    ),
    Operation(
        "concurrency",
        "Racing writes: what makes one DELETE win, a PATCH keep the other's members, and a "
        "vanished owner a 401 (row locks, partial updates, the foreign key).",
        ("concurrency.",),
    ),
    Operation(
        "io.enriched",
        "The fan-out (level io): one shared HTTP client, N concurrent downstream calls, "
        "502/504 from their failures, the database released before the wait.",
        ("io.",),
    ),
    Operation(
        "errors",
        "The problem+json layer: every 4xx and 5xx built in one place.",
        ("errors.", "general.unknown-path", "general.method-not-allowed"),
    ),
    Operation(
        "validation",
        "The item shape rules: strict JSON types, lengths, ranges, no unknown members.",
        (
            "items.create.name-rules",
            "items.create.price-integer-only",
            "items.create.price-range",
            "bodies.unknown-members",
        ),
    ),
    Operation(
        "settings/app",
        "The app factory or settings: configuration, the database, wiring.",
        ("health.database-down",),
    ),
)
OPERATION_NAMES = tuple(operation.name for operation in OPERATIONS)


class MarkerError(ProjectError):
    """A marker names an unknown operation or attaches to nothing."""


@dataclass(frozen=True)
class Piece:
    """One marked definition: where it is, what it is, and its code."""

    implementation: str
    path: str  # relative to the repository root
    module_path: str  # relative to the package directory (what concerns are mapped from)
    name: str
    start: int  # first line shown (1-based), comments above the statement included
    end: int
    code: str
    operations: tuple[str, ...]

    @property
    def concern(self) -> str:
        return concern_of(self.module_path)

    @property
    def code_lines(self) -> int:
        return count_code_lines(self.code)


def count_code_lines(code: str) -> int:
    """pygount's code lines of a snippet, as ``arena bench`` counts whole files."""
    from pygount import SourceAnalysis  # imported late: only counting needs it

    analysis = SourceAnalysis.from_file(
        "snippet.py", "snippet", file_handle=io.BytesIO(code.encode("utf-8"))
    )
    return int(analysis.code_count)


def package_dirs(root: Path) -> dict[str, Path]:
    """``{implementation: package directory}`` for each implementation present, in order."""
    found = {}
    for name in IMPLEMENTATIONS:
        package = root / f"impl_{name}" / "src" / f"impl_{name}"
        if package.is_dir():
            found[name] = package
    return found


def _markers(source: str) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(line, operations) for each marker comment that stands on a line of its own."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        if token.type != tokenize.COMMENT or token.line[: token.start[1]].strip():
            continue
        found = MARKER.match(token.string)
        if found:
            names = tuple(n.strip() for n in found["operations"].split(",") if n.strip())
            yield token.start[0], names


def _near_miss(label: str) -> str | None:
    """The operation a label was probably meant to be (a typo), if any."""
    close = difflib.get_close_matches(label, OPERATION_NAMES, n=1, cutoff=0.8)
    return close[0] if close else None


def _grouped(markers: list[tuple[int, tuple[str, ...]]]) -> list[tuple[int, tuple[str, ...]]]:
    """Stacked marker lines act as one: (last line, the operations of all of them)."""
    groups: list[tuple[int, tuple[str, ...]]] = []
    for line, names in markers:
        if groups and groups[-1][0] == line - 1:
            groups[-1] = (line, groups[-1][1] + names)
        else:
            groups.append((line, names))
    return groups


def _statements(tree: ast.Module) -> Iterator[tuple[ast.stmt, str]]:
    """Every statement at any depth, with the dotted name of what encloses it."""
    stack: list[tuple[ast.AST, str]] = [(tree, "")]
    while stack:
        node, prefix = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                yield child, prefix
                if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                    stack.append((child, f"{prefix}{child.name}."))
                else:
                    stack.append((child, prefix))


def _first_line(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _display_name(node: ast.stmt, prefix: str, lines: list[str]) -> str:
    if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
        return prefix + node.name
    if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
        return prefix + ", ".join(t.id for t in node.targets if isinstance(t, ast.Name))
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return prefix + node.target.id
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        return prefix + ast.unparse(node.value.func) + "(...)"
    return prefix + lines[node.lineno - 1].strip()


def extract_file(implementation: str, path: Path, root: Path, package: Path) -> list[Piece]:
    """The marked pieces of one source file; ``MarkerError`` for a marker that is wrong."""
    source = path.read_text(encoding="utf-8")
    where = path.relative_to(root).as_posix()
    markers = list(_markers(source))
    if not markers:
        return []
    lines = source.splitlines()
    starts: dict[int, tuple[ast.stmt, str]] = {}
    for node, prefix in _statements(ast.parse(source, filename=where)):
        starts.setdefault(_first_line(node), (node, prefix))
    pieces = []
    for line, labels in _grouped(markers):
        for label in labels:
            if label not in OPERATION_NAMES and (near := _near_miss(label)):
                raise MarkerError(
                    f"{where}:{line}: unknown operation {label}; did you mean {near}? "
                    f"(known: {', '.join(OPERATION_NAMES)})"
                )
        # Other labels (contract rule ids or sections, say) may share a marker line;
        # only the operations matter here.
        names = tuple(label for label in labels if label in OPERATION_NAMES)
        if not names:
            continue
        # Shown from the line after the marker (comments there say why), down to the
        # end of the first statement below it, which must start right after comments.
        shown = line + 1
        while shown <= len(lines) and not lines[shown - 1].strip():
            shown += 1
        statement = shown
        while statement <= len(lines) and (
            not lines[statement - 1].strip() or lines[statement - 1].lstrip().startswith("#")
        ):
            statement += 1
        if statement not in starts:
            raise MarkerError(
                f"{where}:{line}: a contract marker must stand right above a definition"
            )
        node, prefix = starts[statement]
        end = node.end_lineno or node.lineno
        code = textwrap.dedent("\n".join(lines[shown - 1 : end])) + "\n"
        pieces.append(
            Piece(
                implementation=implementation,
                path=where,
                module_path=path.relative_to(package).as_posix(),
                name=_display_name(node, prefix, lines),
                start=shown,
                end=end,
                code=code,
                operations=names,
            )
        )
    return pieces


def extract(root: Path) -> list[Piece]:
    """Every marked piece of every implementation, in a stable order."""
    pieces: list[Piece] = []
    for implementation, package in package_dirs(root).items():
        for path in sorted(package.rglob("*.py")):
            pieces.extend(extract_file(implementation, path, root, package))
    return pieces


def _concern_rank(piece: Piece) -> tuple[int, str, int]:
    return (CONCERN_ORDER.index(piece.concern), piece.path, piece.start)


def for_operation(pieces: Iterable[Piece], operation: str) -> dict[str, list[Piece]]:
    """``{implementation: pieces}`` for one operation: views first, then shapes, auth, ...

    A piece inside another piece of the same operation (a method of a marked class)
    is dropped: its lines are already shown and counted.
    """
    chosen: dict[str, list[Piece]] = defaultdict(list)
    for piece in pieces:
        if operation in piece.operations:
            chosen[piece.implementation].append(piece)
    result = {}
    for implementation, found in chosen.items():
        outer = [
            p
            for p in found
            if not any(
                o is not p and o.path == p.path and o.start <= p.start and p.end <= o.end
                for o in found
            )
        ]
        result[implementation] = sorted(outer, key=_concern_rank)
    return result


def lines_per_concern(pieces: Iterable[Piece]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for piece in pieces:
        counts[piece.concern] += piece.code_lines
    return {concern: counts[concern] for concern in CONCERN_ORDER if concern in counts}


def missing_markers(pieces: Iterable[Piece], implementations: Iterable[str]) -> list[str]:
    """``implementation: operation`` for every operation an implementation marks nowhere."""
    marked = {(p.implementation, op) for p in pieces for op in p.operations}
    return [
        f"{impl}: {op}"
        for impl in implementations
        for op in OPERATION_NAMES
        if (impl, op) not in marked
    ]


def resolve(operation: str) -> Operation:
    for candidate in OPERATIONS:
        if candidate.name == operation:
            return candidate
    raise ProjectError(
        f"unknown operation {operation!r}; choose from: {', '.join(OPERATION_NAMES)}"
    )


# --- the terminal ------------------------------------------------------------


def _counts_text(pieces: list[Piece]) -> Text:
    counts = lines_per_concern(pieces)
    text = Text()
    for concern, lines in counts.items():
        text.append(f"{concern} ", style="dim")
        text.append(f"{lines}  ", style="bold")
    text.append("total ", style="dim")
    text.append(str(sum(counts.values())), style="bold cyan")
    return text


def _lines(count: int) -> str:
    return f"{count} code line" + ("" if count == 1 else "s")


def _implementation_panel(implementation: str, pieces: list[Piece]) -> Panel:
    parts: list[RenderableType] = [_counts_text(pieces)]
    for piece in pieces:
        caption = Text()
        caption.append(f"\n{piece.module_path}:{piece.start}", style="bold")
        caption.append(f"  {piece.name}", style="green")
        caption.append(f"  {piece.concern}, {_lines(piece.code_lines)}", style="dim")
        parts.append(caption)
        parts.append(
            Syntax(
                piece.code.rstrip("\n"),
                "python",
                line_numbers=True,
                start_line=piece.start,
                word_wrap=True,  # never crop: a cut-off line misreports the code
                background_color="default",
            )
        )
    if not pieces:
        parts.append(Text("\n(no marker for this operation)", style="red"))
    return Panel(Group(*parts), title=f"[bold]{implementation}[/]", title_align="left")


def render(
    operation: Operation,
    by_impl: dict[str, list[Piece]],
    implementations: list[str],
    width: int,
    layout: str,
) -> RenderableType:
    """Three columns on a wide terminal, three stacked panels otherwise."""
    if layout not in LAYOUTS:
        raise ProjectError(f"unknown layout {layout!r}; choose from: {', '.join(LAYOUTS)}")
    columns = layout == "columns" or (layout == "auto" and width >= COLUMNS_MIN_WIDTH)
    panels = [_implementation_panel(impl, by_impl.get(impl, [])) for impl in implementations]
    heading = Text.assemble((operation.name, "bold magenta"), "  ", operation.summary)
    if not columns:
        return Group(heading, *panels)
    grid = Table.grid(expand=True, padding=(0, 1))
    for _ in panels:
        grid.add_column(ratio=1)
    grid.add_row(*panels)
    return Group(heading, grid)


def show(console: Console, root: Path, operation: str, layout: str = "auto") -> None:
    chosen = resolve(operation)
    implementations = list(package_dirs(root))
    by_impl = for_operation(extract(root), chosen.name)
    console.print(render(chosen, by_impl, implementations, console.width, layout))


def overview(root: Path) -> Table:
    """Operations down, implementations across: code lines of the marked pieces."""
    pieces = extract(root)
    implementations = list(package_dirs(root))
    table = Table(title="code lines per contract operation (arena compare OPERATION shows them)")
    table.add_column("operation")
    for impl in implementations:
        table.add_column(impl, justify="right")
    for operation in OPERATIONS:
        by_impl = for_operation(pieces, operation.name)
        table.add_row(
            operation.name,
            *(str(sum(p.code_lines for p in by_impl.get(impl, []))) for impl in implementations),
        )
    return table


# --- docs/side-by-side.md ----------------------------------------------------


def _rules(operation: Operation, contract_ids: list[str]) -> list[str]:
    return [
        rule
        for rule in contract_ids
        if any(rule == r or (r.endswith(".") and rule.startswith(r)) for r in operation.rules)
    ]


def contract_rule_ids(root: Path) -> list[str]:
    contract = root / "docs" / "contract.md"
    if not contract.is_file():
        return []
    return re.findall(r"^- \*\*`([a-z0-9.-]+)`\*\*", contract.read_text(encoding="utf-8"), re.M)


def _anchor(name: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", name.lower()).replace(" ", "-")


def markdown(root: Path) -> str:
    """The whole of docs/side-by-side.md: deterministic for a given tree."""
    pieces = extract(root)
    packages = package_dirs(root)
    implementations = list(packages)
    rule_ids = contract_rule_ids(root)
    out: list[str] = []
    add = out.append
    add("# Side by side\n")
    add(
        "The code each implementation wrote for each operation of "
        "[the contract](contract.md), next to each other.\n"
    )
    add(
        "Generated by `arena compare --write` from `# contract: OPERATION` marker comments in "
        "the implementations (a marker names the operations of the definition right below "
        "it); do not edit by hand. In a terminal, `arena compare items.create` shows one "
        "operation in three columns with syntax highlighting.\n"
    )
    add(
        "**How to read the numbers.** They are code lines as pygount counts them (no blank "
        "lines, comments or docstrings) of the pieces shown, by concern (the file's role, as "
        "in `arena bench`). A helper that serves several operations is shown and counted "
        "under each, so columns do not add up to a package's size; the package totals are "
        "in the last table. Framework code you configure rather than write (a DRF "
        "`ModelViewSet`, FastAPI's dependency injection, flask-smorest's decorators) counts "
        "as the lines that configure it. No operation shows the request-body layer "
        "(the `bodies.*` rules: 415, 400, 413), OpenAPI extras, or files only one framework "
        "has (Django's admin and migrations); the package totals include them.\n"
    )
    add("| operation | " + " | ".join(implementations) + " |")
    add("|---|" + "---:|" * len(implementations))
    for operation in OPERATIONS:
        by_impl = for_operation(pieces, operation.name)
        cells = [str(sum(p.code_lines for p in by_impl.get(i, []))) for i in implementations]
        add(f"| [`{operation.name}`](#{_anchor(operation.name)}) | " + " | ".join(cells) + " |")
    add("")
    for operation in OPERATIONS:
        add(f"## {operation.name}\n")
        add(operation.summary + "\n")
        rules = _rules(operation, rule_ids)
        if rules:
            add("Contract rules: " + ", ".join(f"`{r}`" for r in rules) + ".\n")
        by_impl = for_operation(pieces, operation.name)
        counts = {impl: lines_per_concern(by_impl.get(impl, [])) for impl in implementations}
        concerns = [c for c in CONCERN_ORDER if any(c in counts[i] for i in implementations)]
        add("| concern | " + " | ".join(implementations) + " |")
        add("|---|" + "---:|" * len(implementations))
        for concern in concerns:
            add(
                f"| {concern} | "
                + " | ".join(str(counts[i].get(concern, "")) for i in implementations)
                + " |"
            )
        totals = [str(sum(counts[i].values())) for i in implementations]
        add("| **total** | " + " | ".join(f"**{t}**" for t in totals) + " |\n")
        for impl in implementations:
            add(f"### {operation.name}: {impl}\n")
            for piece in by_impl.get(impl, []):
                link = f"../{piece.path}#L{piece.start}-L{piece.end}"
                add(
                    f"[`{piece.path}`]({link}) `{piece.name}` "
                    f"({piece.concern}, {_lines(piece.code_lines)})\n"
                )
                add("```python")
                add(piece.code.rstrip("\n"))
                add("```\n")
    add("## Whole packages\n")
    add(
        "Code lines of each implementation package by concern, every file included "
        "(the numbers `arena bench` reports).\n"
    )
    sizes = {impl: lines_by_concern(package) for impl, package in packages.items()}
    add("| concern | " + " | ".join(implementations) + " |")
    add("|---|" + "---:|" * len(implementations))
    for concern in CONCERN_ORDER:
        row = [str(_concerns(sizes[i]).get(concern, 0)) for i in implementations]
        add(f"| {concern} | " + " | ".join(row) + " |")
    add("| **total** | " + " | ".join(f"**{sizes[i]['total']}**" for i in implementations) + " |")
    return "\n".join(out) + "\n"


def _concerns(size: dict[str, object]) -> dict[str, int]:
    concerns = size["concerns"]
    assert isinstance(concerns, dict)
    return concerns


def write(root: Path) -> Path:
    target = root / DOC_PATH
    target.write_text(markdown(root), encoding="utf-8")
    return target


def is_current(root: Path) -> bool:
    target = root / DOC_PATH
    return target.is_file() and target.read_text(encoding="utf-8") == markdown(root)
