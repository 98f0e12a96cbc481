"""One benchmark run, in order: static figures, cold starts, then every server up at once,
a verify pass, each registered workload in turn (``arena.bench.workloads``), pgbench and
the exhibit.

Everything this module starts goes through ``arena.servers`` under a ``bench-`` label
and is stopped in a ``finally``; a leftover from an interrupted run is stopped first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.progress import Progress

from arena import database, servers
from arena.bench import (
    ceilings,
    code_size,
    coldstart,
    environment,
    footgun,
    openloop,
    queries,
    scenarios,
    usage,
    workloads,
    wrk,
)
from arena.bench.config import BenchConfig
from arena.bench.results import SCHEMA
from arena.bench.schedule import interleaved
from arena.bench.targets import Target
from arena.bench.workloads import progress_bar
from arena.project import Implementation, ProjectError, root, select, state_dir
from shared_db import Settings, embedded, migrate, seed
from shared_db.urls import libpq_url

TARGET_PORTS = range(8201, 8209)
COLDSTART_PORT = 8209
BASELINE_PORTS = range(8211, 8220)
FOOTGUN_PORT = 8221
BENCH_USER = "bench_user"
BENCH_PASSWORD = "bench-password-not-secret"  # noqa: S105 (a throwaway benchmark account)
LABEL_PREFIX = "bench-"


def bench_pgdata() -> Path:
    return state_dir() / "bench-pg"


def _stop_embedded(pgdata: Path) -> None:
    """Stop the benchmark's Postgres from a child process.

    ``embedded.stop`` forgets the package's handle for the data directory, and that
    handle's own exit hook then fails in this process; a child has no such handle.
    """
    code = (
        "import sys, pathlib; from shared_db import embedded; "
        "embedded.stop(pathlib.Path(sys.argv[1]))"
    )
    subprocess.run([sys.executable, "-c", code, str(pgdata)], check=False, capture_output=True)


class Bench:
    def __init__(self, config: BenchConfig, console: Console) -> None:
        self.config = config
        self.console = console
        self.wrk = wrk.find_wrk()
        self.work = state_dir() / "bench"
        self.work.mkdir(exist_ok=True)
        self.started: list[servers.Running] = []
        self.notes: list[str] = []
        self.hey = openloop.find_hey()
        self.pinning = environment.pinning()
        # Without a choice, the full run's workloads; a sweep of its own (the fan-out) only
        # when named.
        self.workloads = [
            w
            for w in workloads.registered()
            if (w.name in config.workloads if config.workloads else getattr(w, "in_full_run", True))
        ]
        self.url: str | None = None
        self.postgres_pid: int | None = None
        self.queries_ok = False
        self.queries_note = ""
        self.track_utility: bool | None = None
        self.env: dict[str, str] = {}

    # -- helpers -------------------------------------------------------------------

    def _progress(self) -> Progress:
        return progress_bar(self.console)

    @contextmanager
    def _servers(self) -> Iterator[None]:
        for leftover in servers.all_running():
            if leftover.name.startswith(LABEL_PREFIX):
                servers.stop(leftover)
        try:
            yield
        finally:
            for running in self.started:
                servers.stop(running)
            self.started.clear()

    # -- the run ---------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        if self.config.target_url:
            return self._run_remote(self.config.target_url)
        self.own_pg = False
        try:
            return self._run_local()
        finally:
            if self.own_pg:
                _stop_embedded(bench_pgdata())

    def _base(self, postgres: str, where: str) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "quick": self.config.quick,
            "environment": {
                **environment.collect(postgres, wrk.version(self.wrk), where),
                "hey": openloop.version(self.hey) if self.hey else None,
                "pinning": self.pinning.describe(),
            },
            "config": self.config.describe(),
        }

    def _context(self, targets: list[Target], baselines: list[Target]) -> workloads.Context:
        return workloads.Context(
            config=self.config,
            console=self.console,
            wrk=self.wrk,
            fixtures=self.fixtures,
            ids_file=self.ids_file,
            targets=targets,
            baselines=baselines,
            database_url=self.url,
            pinning=self.pinning,
            hey=self.hey,
            postgres_pid=self.postgres_pid,
            queries_ok=self.queries_ok,
            queries_note=self.queries_note,
            track_utility=self.track_utility,
            out_dir=self.config.out_dir,
            server_env=self.env,
            notes=self.notes,
            cleanup=self._delete_bench_items,
        )

    def _verify(self, targets: list[Target]) -> None:
        """Each workload checks its answers on every running target; any failure: not timed."""
        probe = self._context([], [])
        for target in targets:
            if target.running is None and self.url is not None:
                target.verified = False
                continue
            for workload in self.workloads:
                target.failures.extend(workload.verify(probe, target))
            target.verified = not target.failures
            if target.failures:
                self.console.print(f"[red]{target.id} failed verification:[/]")
                for failure in target.failures:
                    self.console.print(f"  - {failure}")
            else:
                self.console.print(f"[green]{target.id}[/] verified")
        self._delete_bench_items()

    def _measure(self, targets: list[Target], baselines: list[Target]) -> dict[str, Any]:
        ctx = self._context(
            [t for t in targets if t.verified], [t for t in baselines if t.verified]
        )
        out = {}
        for workload in self.workloads:
            self.console.print(f"Workload [bold]{workload.name}[/]: {workload.title}")
            out[workload.name] = workload.measure(ctx)
        return out

    def _run_remote(self, url: str) -> dict[str, Any]:
        target = Target(id="target", impl="target", server="remote", kind="implementation", url=url)
        results = self._base("unknown (remote target)", f"behind {url}")
        token = scenarios.issue_token(url, BENCH_USER, BENCH_PASSWORD)
        ids = scenarios.discover_item_ids(url)
        if not ids:
            raise ProjectError(f"{url}/items lists no items: seed some first")
        self._set_fixtures(token, ids)
        self._verify([target])
        results["targets"] = [target.to_json()]
        if not target.verified:
            self.notes.append("the target failed verification; nothing was timed")
            results["workloads"] = {}
        else:
            results["workloads"] = self._measure([target], [])
        self.notes.append(f"remote target {url}: the workloads' HTTP measurements only")
        results["notes"] = self.notes
        results["environment"]["load_average_end"] = list(os.getloadavg())
        return results

    def _run_local(self) -> dict[str, Any]:
        config = self.config
        settings = Settings()
        url, where = self._database(settings)
        self.url = url
        results = self._base(database.server_version(url), where)
        impls = select(config.impls)
        self.console.print(f"Measuring {', '.join(i.name for i in impls)} on {where}.")

        results["code"] = {
            impl.name: code_size.lines_by_concern(
                root() / f"impl_{impl.name}" / "src" / f"impl_{impl.name}"
            )
            for impl in impls
        }
        workspace = {"shared-db", "arena", "contract-tests"}
        results["dependencies"] = {
            impl.name: code_size.footprint(f"impl-{impl.name}", workspace) for impl in impls
        }

        seed.seed(url, config.seed_items)
        self._prepare_ids(url)
        self.postgres_pid = self._postgres_pid(url)
        if self.postgres_pid:
            self.pinning.confine(self.postgres_pid)
        try:
            self.track_utility = queries.enable(url, own_server=self.own_pg)
            self.queries_note = "counted by pg_stat_statements in the benchmark database"
            if not self.track_utility:
                self.queries_note += (
                    "; pg_stat_statements.track_utility is off, so BEGIN/COMMIT/SET are "
                    "not counted in the round trips"
                )
            self.queries_ok = True
        except queries.QueryCountUnavailable as exc:
            self.queries_note = f"not measured: {exc}"
            self.queries_ok = False
            self.notes.append(f"queries per request {self.queries_note}")
        env = self.env = servers.server_env(settings, url)
        # Timed starts should read cached bytecode, as a deployed app does; an inherited
        # PYTHONDONTWRITEBYTECODE would make every start compile every module again.
        if env.pop("PYTHONDONTWRITEBYTECODE", None):
            self.notes.append(
                "PYTHONDONTWRITEBYTECODE was set in the environment; it was removed for the "
                "measured processes so that they, like a deployed app, use cached bytecode"
            )

        # Only some workloads (e.g. a before/after run of the ladder): no static phases.
        everything = config.workloads is None
        with self._servers():
            results["import_time"] = self._import_times(impls, env) if everything else {}
            targets = self._targets(impls)
            results["cold_start"] = self._cold_starts(targets, impls, env) if everything else {}
            baselines = self._baselines(targets)
            self._start_all(targets + baselines, impls, env)
            live = [t for t in targets + baselines if t.running is not None]
            token = self._token(live)
            self._set_fixtures(token, self.ids)
            self._verify(targets + baselines)
            results["targets"] = [t.to_json() for t in targets + baselines]
            results["workloads"] = self._measure(targets, baselines)
            for running in self.started:
                servers.stop(running)
            self.started.clear()
            results["pgbench"] = self._pgbench(url) if everything else []
            results["footgun"] = self._footgun(env) if everything else {}
        self._delete_bench_items()
        results["notes"] = self.notes
        results["environment"]["load_average_end"] = list(os.getloadavg())
        return results

    def _postgres_pid(self, url: str) -> int | None:
        """The database server's postmaster, when it runs on this machine (for its CPU)."""
        found = None
        try:
            with psycopg.connect(libpq_url(url), autocommit=True, connect_timeout=5) as conn:
                row = conn.execute("SELECT pg_backend_pid()").fetchone()
                # While connected: the backend exits with the connection.
                found = usage.postmaster_pid(int(row[0])) if row else None
        except psycopg.Error:
            return None
        if found is None:
            self.notes.append("PostgreSQL does not run on this machine: its CPU is not measured")
        return found

    def _database(self, settings: Settings) -> tuple[str, str]:
        """DATABASE_URL if set; else an embedded Postgres of the benchmark's own.

        A private data directory keeps the run apart from other ``arena`` commands: an
        ``arena down`` or a finishing ``arena test`` elsewhere stops the shared embedded
        server, and its contract-test rows would change what the queries count.
        """
        self.own_pg = False
        if settings.database_url:
            return database.ensure_migrated(settings), "DATABASE_URL"
        pgdata = bench_pgdata()
        self.own_pg = not embedded.is_running(pgdata)
        url = embedded.ensure_running(pgdata)
        migrate.upgrade(url)
        return url, "embedded Postgres (private to the benchmark, stopped afterwards)"

    # -- phases ----------------------------------------------------------------------

    def _prepare_ids(self, url: str) -> None:
        with psycopg.connect(libpq_url(url)) as conn:
            rows = conn.execute(
                "SELECT id FROM items WHERE name LIKE 'Seed item %%' ORDER BY id"
            ).fetchall()
        ids = [int(row[0]) for row in rows]
        if not ids:
            raise ProjectError("no seed items in the database")
        # The longest run of consecutive ids, so pgbench's random(lo, hi) hits rows too.
        best = (0, 0)
        start = 0
        for index in range(1, len(ids) + 1):
            if index == len(ids) or ids[index] != ids[index - 1] + 1:
                if index - start > best[1] - best[0]:
                    best = (start, index)
                start = index
        self.ids = ids[best[0] : best[1]]
        self.id_range = (self.ids[0], self.ids[-1])

    def _set_fixtures(self, token: str, ids: list[int]) -> None:
        self.ids = ids
        self.ids_file = self.work / "item_ids.txt"
        self.ids_file.write_text("\n".join(map(str, ids)) + "\n")
        self.fixtures = scenarios.Fixtures(token=token, item_ids=ids)

    def _targets(self, impls: list[Implementation]) -> list[Target]:
        targets: list[Target] = []
        for impl in impls:
            names = (
                sorted(impl.benchmarked_servers)
                if self.config.all_servers
                else [impl.default_server]
            )
            names.sort(key=lambda name: name != impl.default_server)
            targets.extend(
                Target(id=f"{impl.name}/{name}", impl=impl.name, server=name, kind="implementation")
                for name in names
            )
        if len(targets) > len(TARGET_PORTS):
            raise ProjectError(f"too many targets for ports {TARGET_PORTS}")
        return targets

    def _baselines(self, targets: list[Target]) -> list[Target]:
        found = []
        for target in targets:
            baseline = ceilings.BASELINES.get(target.impl)
            if baseline and target.server in baseline.servers:
                found.append(
                    Target(
                        id=f"{baseline.name}/{target.server}",
                        impl=target.impl,
                        server=target.server,
                        kind="baseline",
                    )
                )
        return found

    def _import_times(self, impls: list[Implementation], env: dict[str, str]) -> dict[str, Any]:
        contestants: list[tuple[str, str]] = [("python", "pass")] + [
            (impl.name, f"import {impl.app_module}") for impl in impls
        ]
        samples: dict[str, list[float]] = {name: [] for name, _ in contestants}
        if self.config.discard_first:
            for _, code in contestants:
                coldstart.time_python(code, env)  # discarded: writes the bytecode caches
        order = interleaved(contestants, self.config.import_repeats)
        with self._progress() as progress:
            task = progress.add_task("import time", total=len(order))
            for _, (name, code) in order:
                samples[name].append(coldstart.time_python(code, env))
                progress.advance(task)
        return {
            "python_pass_s": samples.pop("python"),
            "modules": {
                impl.name: {"module": impl.app_module, "samples_s": samples[impl.name]}
                for impl in impls
            },
        }

    def _cold_starts(
        self, targets: list[Target], impls: list[Implementation], env: dict[str, str]
    ) -> dict[str, Any]:
        by_name = {impl.name: impl for impl in impls}
        out: dict[str, Any] = {t.id: {"samples_s": [], "error": None} for t in targets}
        # Round 0 is discarded (but in a smoke run): the first start writes bytecode caches.
        discarded = 1 if self.config.discard_first else 0
        order = interleaved(targets, self.config.coldstart_repeats + discarded)
        with self._progress() as progress:
            task = progress.add_task("cold start", total=len(order))
            for round_index, target in order:
                record = out[target.id]
                if record["error"] is None:
                    try:
                        seconds = coldstart.time_to_first_ok(
                            by_name[target.impl],
                            env,
                            server=target.server,
                            port=COLDSTART_PORT,
                            workers=self.config.workers,
                            label=f"{LABEL_PREFIX}coldstart",
                        )
                        if round_index >= discarded:
                            record["samples_s"].append(seconds)
                    except ProjectError as exc:
                        record["error"] = str(exc)
                progress.advance(task)
        return out

    def _start_all(
        self, targets: list[Target], impls: list[Implementation], env: dict[str, str]
    ) -> None:
        by_name = {impl.name: impl for impl in impls}
        ports = iter(TARGET_PORTS)
        baseline_ports = iter(BASELINE_PORTS)
        for target in targets:
            if target.kind == "baseline":
                impl = ceilings.BASELINES[target.impl]
                port, target_env = next(baseline_ports), ceilings.baseline_env(env)
            else:
                impl, port, target_env = by_name[target.impl], next(ports), env
            try:
                servers.run_setup(impl, target_env)
                running = servers.spawn(
                    impl,
                    target_env,
                    label=f"{LABEL_PREFIX}{target.id.replace('/', '-')}",
                    port=port,
                    server=target.server,
                    workers=self.config.workers,
                )
            except ProjectError as exc:
                target.failures.append(f"did not start: {exc}")
                continue
            self.started.append(running)
            target.running, target.url = running, running.url
        for target in targets:
            if target.running is None:
                continue
            try:
                servers.wait_ready(target.running)
            except ProjectError as exc:
                target.failures.append(f"not healthy: {str(exc).splitlines()[0]}")
                target.running = None
                continue
            # Every worker exists by now; off the load generator's CPU when it has one.
            self.pinning.confine(target.running.pid)

    def _token(self, live: list[Target]) -> str:
        for target in live:
            if target.kind != "implementation":
                continue
            try:
                return scenarios.issue_token(target.url, BENCH_USER, BENCH_PASSWORD)
            except (RuntimeError, OSError, ValueError, KeyError):
                continue
        self.notes.append("no implementation issued a token: /me and POST /items cannot pass")
        return "no-token"

    def _pgbench(self, url: str) -> list[dict[str, Any]]:
        from dataclasses import asdict

        out = []
        work = [(m, c) for m in ("simple", "prepared") for c in self.config.connections]
        with self._progress() as progress:
            task = progress.add_task("pgbench", total=len(work))
            for mode, clients in work:
                try:
                    result = ceilings.pgbench(
                        url,
                        mode=mode,
                        clients=clients,
                        duration_s=self.config.pgbench_duration_s,
                        id_range=self.id_range,
                    )
                    out.append(asdict(result))
                except (RuntimeError, OSError) as exc:
                    self.notes.append(f"pgbench -M {mode} -c {clients} failed: {exc}")
                progress.advance(task)
        return out

    def _footgun(self, env: dict[str, str]) -> dict[str, Any]:
        self.console.print("Footgun exhibit (one uvicorn worker) ...")
        try:
            return footgun.measure(
                self.wrk,
                env,
                FOOTGUN_PORT,
                self.config.footgun_duration_s,
                label=f"{LABEL_PREFIX}footgun",
            )
        except ProjectError as exc:
            self.notes.append(f"footgun exhibit failed: {exc}")
            return {}

    def _delete_bench_items(self) -> None:
        if self.url is None:
            return
        try:
            with psycopg.connect(libpq_url(self.url), autocommit=True) as conn:
                conn.execute(
                    "DELETE FROM items WHERE owner_id IN"
                    " (SELECT id FROM users WHERE username = %s)",
                    (BENCH_USER,),
                )
        except psycopg.OperationalError as exc:
            # Housekeeping only: a failure here must not cost the measurements so far.
            self.notes.append(f"could not delete the items created by the benchmark: {exc}")


def run(config: BenchConfig, console: Console) -> dict[str, Any]:
    started = time.monotonic()
    results = Bench(config, console).run()
    results["config"]["wall_seconds"] = round(time.monotonic() - started, 1)
    return results
