"""The ``arena`` command line: serve, up, down, status, test, demo, db."""

from __future__ import annotations

import os
import shlex
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from arena import compare, contract, database, demo, downstream, exercises, servers
from arena.bench import cli as bench_cli
from arena.claims import cli as claims_cli
from arena.project import Implementation, ProjectError, root, select, state_dir
from shared_db import Settings, embedded, seed

app = typer.Typer(
    help="Start, test and measure the FastAPI, Flask and DRF implementations of one contract.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(
    help="The database: embedded by default, or DATABASE_URL.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(exercises.cli, name="exercise")
app.command("bench")(bench_cli.bench)
app.command("report")(bench_cli.report_command)
app.command("claims")(claims_cli.claims)
console = Console()
err = Console(stderr=True)

ImplArg = Annotated[
    list[str] | None, typer.Argument(help="fastapi, flask, drf (default: all of them)")
]
ServerOpt = Annotated[
    str | None, typer.Option(help="Server to use (default: the implementation's own default).")
]
WorkersOpt = Annotated[int, typer.Option(min=1, help="Worker processes per server.")]

# The unreachable-database instances used by the contract's health.database-down
# tests listen this far above their implementation's port.
DOWN_PORT_OFFSET = 100
UNREACHABLE_DATABASE_URL = "postgresql://postgres@127.0.0.1:1/unreachable"


@contextmanager
def _friendly_errors() -> Iterator[None]:
    try:
        yield
    except ProjectError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None


def _settings() -> Settings:
    settings = Settings()
    if settings.uses_dev_secret:
        err.print(
            "[yellow]warning:[/] JWT_SECRET is the development default; "
            "set JWT_SECRET to a long random value anywhere but your laptop."
        )
    return settings


def _describe_database(settings: Settings, url: str) -> str:
    where = "embedded Postgres" if not settings.database_url else "DATABASE_URL"
    return f"{where} ({database.redacted(url)}, PostgreSQL {database.server_version(url)})"


def _start(
    impls: list[Implementation], settings: Settings, url: str, server: str | None, workers: int
) -> list[servers.Running]:
    """Start each implementation that is not already running; return what this call started."""
    env = servers.server_env(settings, url)
    missing = []
    for impl in impls:
        if servers.find(impl.name):
            console.print(f"{impl.name}: already running")
        else:
            missing.append(impl)
    # Set-up steps first, so no server's start-up clock runs during another's set-up.
    for impl in missing:
        servers.run_setup(impl, env)
    simulator = downstream.ensure_running(settings, env) if downstream.needed(impls) else None
    if simulator is not None:
        console.print(f"[green]{simulator.name}[/] (the fan-out's slow service) at {simulator.url}")
    started = [
        (servers.spawn(impl, env, server=server, workers=workers), time.monotonic())
        for impl in missing
    ]
    # They start side by side; each one's time counts from its own spawn, not from the wait.
    for running, spawned_at in started:
        servers.wait_ready(running)
        seconds = time.monotonic() - spawned_at
        console.print(
            f"[green]{running.name}[/] ({running.server}) ready in {seconds:.2f} s at {running.url}"
        )
    return [running for running, _ in started] + ([simulator] if simulator else [])


@app.command()
def serve(
    impl: Annotated[str, typer.Argument(help="fastapi, flask or drf")],
    port: Annotated[int | None, typer.Option(help="Port (default: the implementation's).")] = None,
    server: ServerOpt = None,
    workers: WorkersOpt = 1,
) -> None:
    """Run one implementation in the foreground on its production server."""
    with _friendly_errors():
        (chosen,) = select([impl])
        settings = _settings()
        url = database.ensure_migrated(settings)
        env = servers.server_env(settings, url)
        servers.run_setup(chosen, env)
        port = port or chosen.port
        command = servers.argv(chosen.server_command(server, servers.HOST, port, workers))
        console.print(f"Database: {_describe_database(settings, url)}")
        console.print(
            f"Serving [bold]{chosen.name}[/] on http://{servers.HOST}:{port} "
            f"(docs: http://{servers.HOST}:{port}/docs); Ctrl-C stops it."
        )
        sys.stdout.flush()
        os.execve(command[0], command, env)  # noqa: S606 (the server replaces this process)


@app.command()
def up(
    impls: ImplArg = None,
    server: ServerOpt = None,
    workers: WorkersOpt = 2,
) -> None:
    """Start implementations in the background and wait until each is healthy."""
    with _friendly_errors():
        settings = _settings()
        url = database.ensure_migrated(settings)
        console.print(f"Database: {_describe_database(settings, url)}")
        _start(select(impls), settings, url, server, workers)
        status()


@app.command()
def down() -> None:
    """Stop every background server and the embedded Postgres."""
    with _friendly_errors():
        for running in servers.all_running():
            servers.stop(running)
            console.print(f"stopped {running.name}")
        if embedded.stop(database.pgdata()):
            console.print("stopped the embedded Postgres")


@app.command()
def status() -> None:
    """Show what is running."""
    with _friendly_errors():
        table = Table(title="arena")
        for column in ("name", "url", "server", "pid", "log"):
            table.add_column(column)
        for running in servers.all_running():
            table.add_row(running.name, running.url, running.server, str(running.pid), running.log)
        console.print(table)
        settings = Settings()
        if settings.database_url:
            console.print(f"Database: DATABASE_URL ({database.redacted(settings.database_url)})")
        else:
            state = "running" if embedded.is_running(database.pgdata()) else "stopped"
            console.print(f"Database: embedded Postgres, {state}")


@app.command(name="test")
def run_tests(
    impls: ImplArg = None,
    server: ServerOpt = None,
    workers: WorkersOpt = 2,
    jobs: Annotated[int, typer.Option("-n", "--jobs", min=1, help="pytest-xdist processes.")] = 4,
    pytest_args: Annotated[
        str, typer.Option(help='More pytest arguments, e.g. --pytest-args "-k price -x".')
    ] = "",
    fuzz: Annotated[
        bool,
        typer.Option(
            help="Also fuzz each implementation from its OpenAPI document (Schemathesis)."
        ),
    ] = False,
    every_server: Annotated[
        bool,
        typer.Option(
            help="Also run the sections where servers differ "
            f"({', '.join(contract.PER_SERVER_SECTIONS)}) on every other server each "
            "implementation declares (not with --server)."
        ),
    ] = True,
) -> None:
    """Run the contract suite against each implementation (starting what is not running).

    The whole suite runs against each implementation's default server (with several
    implementations, the cross-implementation tests too); then the sections where the
    server matters run against every other server it declares.
    """
    with _friendly_errors():
        settings = _settings()
        pg_was_running = embedded.is_running(database.pgdata())
        url = database.ensure_migrated(settings)
        chosen = select(impls)
        if not chosen:
            raise ProjectError("no implementation found to test")
        started = _start(chosen, settings, url, server, workers)
        down_env = servers.server_env(settings, UNREACHABLE_DATABASE_URL)
        down = [
            servers.spawn(
                impl,
                down_env,
                label=f"{impl.name}-nodb",
                port=impl.port + DOWN_PORT_OFFSET,
                server=server,
                workers=1,
            )
            for impl in chosen
        ]
        started += down
        others, others_down = (
            _start_other_servers(chosen, servers.server_env(settings, url), down_env, workers)
            if every_server and server is None
            else ([], [])
        )
        started += others + others_down
        try:
            for without_db in down + others_down:
                servers.wait_ready(without_db, expect=503)
            for other in others:
                servers.wait_ready(other)
            targets = {
                impl.name: running.url for impl in chosen if (running := servers.find(impl.name))
            }
            down_targets = {
                impl.name: f"http://{servers.HOST}:{impl.port + DOWN_PORT_OFFSET}"
                for impl in chosen
            }
            on_server = {
                impl.name: running.server for impl in chosen if (running := servers.find(impl.name))
            } | {other.name: other.server for other in others}
            results = state_dir() / "results"
            results.mkdir(exist_ok=True)
            summary = results / "contract-summary.json"
            runs = [results / f"contract-{run}-summary.json" for run in ("default", "servers")]
            for path in (summary, *runs):
                path.unlink(missing_ok=True)
            suite_env = {
                "JWT_SECRET": settings.jwt_secret.get_secret_value(),
                "JWT_TTL_SECONDS": str(settings.jwt_ttl_seconds),
                # For the suite's white-box tests (a user row deleted behind the API).
                "CONTRACT_DATABASE_URL": url,
                # For level io: the simulator the servers call, and their timeout.
                "CONTRACT_DOWNSTREAM_URL": downstream.root_url(settings),
                "DOWNSTREAM_TIMEOUT_SECONDS": str(settings.downstream_timeout_seconds),
            }
            extra = shlex.split(pytest_args)
            # The levels every implementation here meets run in the shared runs; each
            # implementation's further levels in a run of its own, on all its servers.
            common = contract.common_levels(chosen)
            levels = f"--levels={','.join(common)}"
            code = contract.run_suite(
                contract.pytest_command(
                    targets,
                    down_targets,
                    results,
                    jobs,
                    [levels, *extra] + (["--fuzz"] if fuzz else []),
                    run_name="contract-default",
                ),
                suite_env,
            )
            if others:
                per_server = contract.per_server_sections(common)
                console.print(
                    f"[bold]Every other declared server[/]: {', '.join(o.name for o in others)}, "
                    f"sections {', '.join(per_server)}"
                )
                code |= contract.run_suite(
                    contract.pytest_command(
                        {other.name: other.url for other in others},
                        {d.name.removesuffix("-nodb"): d.url for d in others_down},
                        results,
                        jobs,
                        [f"--contract-sections={','.join(per_server)}", levels, *extra],
                        run_name="contract-servers",
                    ),
                    suite_env,
                )
            for impl in chosen:
                further = [level for level in impl.levels if level not in common]
                if not further:
                    continue
                mine = {impl.name: targets[impl.name]} | {
                    o.name: o.url
                    for o in others
                    if o.name.split(contract.SERVER_SEPARATOR)[0] == impl.name
                }
                console.print(
                    f"[bold]{impl.name}[/]: level {', '.join(further)} on {', '.join(mine)}"
                )
                run_name = f"contract-levels-{impl.name}"
                runs.append(results / f"{run_name}-summary.json")
                runs[-1].unlink(missing_ok=True)
                code |= contract.run_suite(
                    contract.pytest_command(
                        mine, {}, results, jobs, [f"--levels={','.join(further)}", *extra], run_name
                    ),
                    suite_env,
                )
            contract.merge_summaries(runs, on_server, summary)
            _print_grid(contract.load_summary(summary), on_server)
        finally:
            for running in started:
                servers.stop(running)
            if not pg_was_running and not settings.database_url:
                embedded.stop(database.pgdata())
        raise typer.Exit(code)


# Servers other than an implementation's default listen this far above its port,
# ten ports per further server; their unreachable-database twins 50 above that.
OTHER_SERVERS_PORT_OFFSET = 300
OTHER_SERVERS_DOWN_OFFSET = 50


def _start_other_servers(
    impls: list[Implementation], env: dict[str, str], down_env: dict[str, str], workers: int
) -> tuple[list[servers.Running], list[servers.Running]]:
    """Every declared server but the default, labelled ``impl@server``, each with its
    unreachable-database twin ``impl@server-nodb`` for the suite's 503 tests."""
    started: list[servers.Running] = []
    down: list[servers.Running] = []
    for impl in impls:
        others = [name for name in impl.servers if name != impl.default_server]
        for index, name in enumerate(others):
            label = contract.target_name(impl.name, name, impl.default_server)
            port = impl.port + OTHER_SERVERS_PORT_OFFSET + 10 * index
            started.append(
                servers.spawn(impl, env, label=label, port=port, server=name, workers=workers)
            )
            down.append(
                servers.spawn(
                    impl,
                    down_env,
                    label=f"{label}-nodb",
                    port=port + OTHER_SERVERS_DOWN_OFFSET,
                    server=name,
                    workers=1,
                )
            )
    return started, down


def _print_grid(summary: contract.Summary, on_server: dict[str, str]) -> None:
    # Sections down, implementations across: it stays readable in an 80-column CI log.
    sections, cells = contract.grid(summary)
    columns = contract.ordered(cells)
    table = Table(title="contract suite: rule checks passed, by contract section")
    table.add_column("section")
    for target in columns:
        table.add_column(contract.label(target, on_server).replace("/", "\n"))
    table.add_row("levels declared", *(contract.declared_levels(t) for t in columns))
    for name in sections:
        table.add_row(name, *(_cell_text(cells[t][name]) for t in columns))
    console.print(table)
    for impl, rules in contract.failing_rules(summary).items():
        err.print(f"[red]{impl} fails:[/] {', '.join(rules)}")


def _cell_text(cell: contract.Cell) -> str:
    return "" if cell.verdict == "untested" and not cell.skipped else cell.text()


@app.command(name="demo")
def run_demo(
    items: Annotated[int, typer.Option(help="Seed items to create.")] = 1000,
) -> None:
    """Bring everything up, seed data, walk through the API, and leave the servers running."""
    with _friendly_errors():
        settings = _settings()
        url = database.ensure_migrated(settings)
        console.print(f"Database: {_describe_database(settings, url)}")
        result = seed.seed(url, items)
        console.print(f"Seeded {result.items_total} items ({result.items_added} new).")
        impls = select(None)
        _start(impls, settings, url, None, 2)
        env = servers.server_env(settings, url)
        for impl in impls:
            if not impl.demo_setup:
                continue
            if settings.database_url:
                # A real database gets no demo logins (default credentials) from us.
                console.print(f"{impl.name}: demo set-up skipped (DATABASE_URL is set)")
                continue
            for line in servers.run_demo_setup(impl, env):
                console.print(f"{impl.name}: {line}")
        running = [found for impl in impls if (found := servers.find(impl.name))]
        demo.walkthrough(console, running, impls)


@app.command(name="compare")
def compare_command(
    operation: Annotated[
        str | None,
        typer.Argument(help="e.g. items.create, auth.token, errors (default: list them all)."),
    ] = None,
    write: Annotated[
        bool, typer.Option("--write", help=f"Regenerate {compare.DOC_PATH} with every operation.")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help=f"Fail if {compare.DOC_PATH} is out of date.")
    ] = False,
    layout: Annotated[
        str, typer.Option(help="auto (columns when the terminal is wide), columns or stacked.")
    ] = "auto",
) -> None:
    """Show the three implementations' code for one contract operation side by side."""
    with _friendly_errors():
        repository = root()
        if write:
            target = compare.write(repository)
            console.print(f"wrote {target.relative_to(repository)}")
        if check and not compare.is_current(repository):
            err.print(f"{compare.DOC_PATH} is out of date: run `arena compare --write`.")
            raise typer.Exit(1)
        if operation:
            compare.show(console, repository, operation, layout)
        elif not write and not check:
            console.print(compare.overview(repository))


@db_app.command("migrate")
def db_migrate() -> None:
    """Apply the Alembic migrations (the shared schema)."""
    with _friendly_errors():
        settings = Settings()
        url = database.ensure_migrated(settings)
        console.print(f"Migrated {_describe_database(settings, url)} to head.")


@db_app.command("seed")
def db_seed(n: Annotated[int, typer.Argument(min=1, help="Seed items to have.")]) -> None:
    """Top the deterministic seed data up to N items."""
    with _friendly_errors():
        url = database.ensure_migrated(Settings())
        result = seed.seed(url, n)
        console.print(
            f"{result.items_total} seed items ({result.items_added} added) "
            f"owned by {result.users} seed users (password: {seed.SEED_PASSWORD})."
        )


@db_app.command("url")
def db_url() -> None:
    """Print the database URL (starting the embedded Postgres if needed)."""
    with _friendly_errors():
        print(database.ensure_url(Settings()))


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded Postgres."""
    with _friendly_errors():
        stopped = embedded.stop(database.pgdata())
        console.print("stopped" if stopped else "not running")
