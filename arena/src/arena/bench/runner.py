"""One benchmark run, in order: static figures, cold starts, then every server up at once,
a verify pass, query counts, warm-up, the interleaved wrk runs, pgbench and the exhibit.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from arena import database, servers
from arena.bench import (
    ceilings,
    code_size,
    coldstart,
    environment,
    footgun,
    memory,
    queries,
    scenarios,
    wrk,
)
from arena.bench.results import SCHEMA
from arena.bench.schedule import interleaved
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


@dataclass
class BenchConfig:
    quick: bool = False
    rounds: int = 2
    duration_s: int = 4
    warmup_s: int = 2
    connections: list[int] = field(default_factory=lambda: [1, 8, 64])
    wrk_threads: int = 1
    workers: int = 2
    coldstart_repeats: int = 10
    import_repeats: int = 10
    slo_p99_ms: float = 10.0
    seed_items: int = 10_000
    all_servers: bool = True
    query_requests: int = 100
    pgbench_duration_s: int = 4
    footgun_duration_s: int = 5
    warmup_every_scenario: bool = True
    # The first cold start and import of each contestant writes bytecode caches: not timed.
    discard_first: bool = True
    smoke: bool = False
    impls: list[str] | None = None
    target_url: str | None = None

    @classmethod
    def quick_run(cls) -> BenchConfig:
        return cls(
            quick=True,
            rounds=1,
            duration_s=2,
            warmup_s=1,
            connections=[16],
            coldstart_repeats=2,
            import_repeats=2,
            all_servers=False,
            query_requests=30,
            pgbench_duration_s=2,
            footgun_duration_s=3,
            warmup_every_scenario=False,
        )

    @classmethod
    def smoke_run(cls) -> BenchConfig:
        """Every phase once, as briefly as each allows: proves the run works, in CI."""
        return cls(
            quick=True,
            smoke=True,
            rounds=1,
            duration_s=1,
            warmup_s=0,
            connections=[2],
            coldstart_repeats=1,
            import_repeats=1,
            all_servers=False,
            seed_items=1_000,
            query_requests=5,
            pgbench_duration_s=1,
            footgun_duration_s=1,
            warmup_every_scenario=False,
            discard_first=False,
        )

    def describe(self) -> dict[str, Any]:
        return {
            "rounds": self.rounds,
            "duration_s": self.duration_s,
            "warmup_s": self.warmup_s,
            "connections": self.connections,
            "wrk_threads": self.wrk_threads,
            "workers": self.workers,
            "coldstart_repeats": self.coldstart_repeats,
            "import_repeats": self.import_repeats,
            "slo_p99_ms": self.slo_p99_ms,
            "seed_items": self.seed_items,
            "servers": "all declared" if self.all_servers else "default only",
            "query_requests": self.query_requests,
            "warmup_every_scenario": self.warmup_every_scenario,
            "discard_first": self.discard_first,
            "smoke": self.smoke,
        }


@dataclass
class Target:
    id: str
    impl: str
    server: str
    kind: str
    url: str = ""
    running: servers.Running | None = None
    verified: bool = False
    failures: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "impl": self.impl,
            "server": self.server,
            "kind": self.kind,
            "url": self.url,
            "verified": self.verified,
            "failures": self.failures,
        }


class Bench:
    def __init__(self, config: BenchConfig, console: Console) -> None:
        self.config = config
        self.console = console
        self.wrk = wrk.find_wrk()
        self.work = state_dir() / "bench"
        self.work.mkdir(exist_ok=True)
        self.started: list[servers.Running] = []
        self.notes: list[str] = []

    # -- helpers -------------------------------------------------------------------

    def _progress(self) -> Progress:
        return Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=self.console,
        )

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

    def _wrk(self, target: Target, script: str, connections: int, duration: int) -> wrk.WrkResult:
        argv = wrk.command(
            self.wrk,
            target.url,
            script,
            connections=connections,
            duration_s=duration,
            threads=self.config.wrk_threads,
            script_args=[self.fixtures.token, str(self.ids_file)],
        )
        return wrk.run(argv)

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
            "environment": environment.collect(postgres, wrk.version(self.wrk), where),
            "config": self.config.describe(),
        }

    def _run_remote(self, url: str) -> dict[str, Any]:
        target = Target(id="target", impl="target", server="remote", kind="implementation", url=url)
        results = self._base("unknown (remote target)", f"behind {url}")
        token = scenarios.issue_token(url, BENCH_USER, BENCH_PASSWORD)
        ids = scenarios.discover_item_ids(url)
        if not ids:
            raise ProjectError(f"{url}/items lists no items: seed some first")
        self._set_fixtures(token, ids)
        target.failures = scenarios.verify(url, self.fixtures, scenarios.SCENARIOS)
        target.verified = not target.failures
        results["targets"] = [target.to_json()]
        if not target.verified:
            self.notes.append("the target failed verification; nothing was timed")
            results["http"] = []
        else:
            self._warm_up([target])
            results["http"] = self._http([target], [])
        self.notes.append(
            f"remote target {url}: HTTP scenarios only; POST /items rows were left in place"
        )
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
        try:
            queries.enable(url)
            query_note = "counted by pg_stat_statements in the benchmark database"
            self.queries_ok = True
        except queries.QueryCountUnavailable as exc:
            query_note = f"not measured: {exc}"
            self.queries_ok = False
            self.notes.append(f"queries per request {query_note}")
        env = servers.server_env(settings, url)
        # Timed starts should read cached bytecode, as a deployed app does; an inherited
        # PYTHONDONTWRITEBYTECODE would make every start compile every module again.
        if env.pop("PYTHONDONTWRITEBYTECODE", None):
            self.notes.append(
                "PYTHONDONTWRITEBYTECODE was set in the environment; it was removed for the "
                "measured processes so that they, like a deployed app, use cached bytecode"
            )

        with self._servers():
            results["import_time"] = self._import_times(impls, env)
            targets = self._targets(impls)
            results["cold_start"] = self._cold_starts(targets, impls, env)
            baselines = self._baselines(targets)
            self._start_all(targets + baselines, impls, env)
            live = [t for t in targets + baselines if t.running is not None]
            token = self._token(live)
            self._set_fixtures(token, self.ids)
            self._verify(targets + baselines)
            verified = [t for t in targets if t.verified]
            verified_baselines = [t for t in baselines if t.verified]
            results["targets"] = [t.to_json() for t in targets + baselines]
            results["queries"] = {
                "available": self.queries_ok,
                "note": query_note,
                "targets": self._queries(verified + verified_baselines) if self.queries_ok else {},
            }
            self._warm_up(verified, verified_baselines)
            results["memory"] = {
                t.id: {"after_warmup": memory.rss_mb(t.running.pid)}
                for t in verified + verified_baselines
                if t.running
            }
            results["http"] = self._http(verified, verified_baselines)
            for t in verified + verified_baselines:
                if t.running:
                    results["memory"][t.id]["after_load"] = memory.rss_mb(t.running.pid)
            for running in self.started:
                servers.stop(running)
            self.started.clear()
            results["pgbench"] = self._pgbench(url)
            results["footgun"] = self._footgun(env)
        self._delete_bench_items()
        results["notes"] = self.notes
        results["environment"]["load_average_end"] = list(os.getloadavg())
        return results

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
            names = sorted(impl.servers) if self.config.all_servers else [impl.default_server]
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

    def _verify(self, targets: list[Target]) -> None:
        for target in targets:
            if target.running is None:
                target.verified = False
                continue
            chosen = (
                scenarios.SCENARIOS
                if target.kind == "implementation"
                else (scenarios.BY_NAME["items_get"],)
            )
            target.failures.extend(scenarios.verify(target.url, self.fixtures, chosen))
            target.verified = not target.failures
            if target.failures:
                self.console.print(f"[red]{target.id} failed verification:[/]")
                for failure in target.failures:
                    self.console.print(f"  - {failure}")
            else:
                self.console.print(f"[green]{target.id}[/] verified")
        self._delete_bench_items()

    def _scenarios_for(self, target: Target) -> tuple[scenarios.Scenario, ...]:
        if target.kind == "baseline":
            return (scenarios.BY_NAME["items_get"],)
        return scenarios.SCENARIOS

    def _queries(self, targets: list[Target]) -> dict[str, Any]:
        import random

        import httpx

        out: dict[str, Any] = {}
        n = self.config.query_requests
        rng = random.Random(1)
        with self._progress() as progress:
            work = [(t, s) for t in targets for s in self._scenarios_for(t)]
            task = progress.add_task("queries per request", total=len(work))
            for target, scenario in work:
                with httpx.Client(base_url=target.url, timeout=10.0) as client:
                    for _ in range(10):
                        scenarios.request(client, scenario, self.fixtures, rng)
                    queries.reset(self.url)
                    for _ in range(n):
                        scenarios.request(client, scenario, self.fixtures, rng)
                    count = queries.read(self.url)
                out.setdefault(target.id, {})[scenario.name] = {
                    "requests": n,
                    "queries": count.queries,
                    "transaction_control": count.transaction_control,
                    "per_request": count.queries / n,
                    "transaction_per_request": count.transaction_control / n,
                    "top": [[q[:200], c] for q, c in count.statements[:6]],
                }
                progress.advance(task)
        self._delete_bench_items()
        return out

    def _warm_up(self, targets: list[Target], baselines: list[Target] | None = None) -> None:
        if self.config.warmup_s <= 0:
            return
        work = [
            (t, s)
            for t in targets + (baselines or [])
            for s in self._scenarios_for(t)[: None if self.config.warmup_every_scenario else 1]
        ]
        with self._progress() as progress:
            task = progress.add_task("warm-up", total=len(work))
            for target, scenario in work:
                self._wrk(
                    target, scenario.script, max(self.config.connections), self.config.warmup_s
                )
                progress.advance(task)
        self._delete_bench_items()

    def _timed(
        self, scenario: scenarios.Scenario, targets: list[Target], baselines: list[Target]
    ) -> list[Target]:
        contestants = [t for t in targets + baselines if scenario in self._scenarios_for(t)]
        if self.config.smoke and scenario.name != "items_get" and contestants:
            # GET /items/{id} runs on every target (the baselines serve only that), each other
            # scenario on one implementation in turn: every script and every server runs once.
            return [contestants[scenarios.SCENARIOS.index(scenario) % len(contestants)]]
        return contestants

    def _http(self, targets: list[Target], baselines: list[Target]) -> list[dict[str, Any]]:
        config = self.config
        runs: list[dict[str, Any]] = []
        cells = [(s, c) for s in scenarios.SCENARIOS for c in config.connections]
        total = config.rounds * sum(len(self._timed(s, targets, baselines)) for s, _c in cells)
        with self._progress() as progress:
            task = progress.add_task("wrk runs", total=total)
            for round_index in range(config.rounds):
                for scenario, connections in cells:
                    contestants = self._timed(scenario, targets, baselines)
                    if not contestants:
                        continue
                    shift = round_index % len(contestants)
                    for target in contestants[shift:] + contestants[:shift]:
                        try:
                            result = self._wrk(
                                target, scenario.script, connections, config.duration_s
                            )
                        except wrk.WrkFailed as exc:
                            self.notes.append(
                                f"{target.id} {scenario.label} c={connections} round "
                                f"{round_index}: no result ({str(exc).splitlines()[0]})"
                            )
                            progress.advance(task)
                            continue
                        runs.append(
                            {
                                "target": target.id,
                                "scenario": scenario.name,
                                "connections": connections,
                                "round": round_index,
                                "result": result.to_json(),
                            }
                        )
                        if scenario.name == "items_create":
                            self._delete_bench_items()
                        progress.advance(task)
        return runs

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
        if not getattr(self, "url", None):
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
