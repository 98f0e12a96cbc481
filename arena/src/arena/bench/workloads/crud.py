"""The CRUD workload: the contract's five endpoints, one fast local query or two each.

Scenarios (``arena.bench.scenarios``): GET /health, GET /items/{id}, GET /items,
GET /me, POST /items; the baselines (``bench/baselines/``) serve GET /items/{id}
and GET /me only. In order, it

1. counts queries and round trips per request (pg_stat_statements, sequential requests);
2. warms every target up, records memory, then runs wrk (closed loop) over every
   scenario x connection count, interleaved in rounds; each wrk run is bracketed
   by a ``usage.Meter``: server and PostgreSQL CPU, and the connections and CPU
   each worker took;
3. measures GET /items/{id} open-loop with hey at fixed fractions of each target's
   closed-loop capacity;
4. with ``--profile``, records a py-spy flamegraph of one worker per implementation
   under GET /items/{id} at ``profile_connections``.

Its section of the results is documented in ``arena.bench.results``.
"""

from __future__ import annotations

import functools
import random
import statistics
from pathlib import Path
from typing import Any

import httpx

from arena.bench import fmt, openloop, profiling, queries, scenarios, usage, wrk
from arena.bench import memory as memory_module
from arena.bench import results as res
from arena.bench.schedule import interleaved
from arena.bench.targets import Target
from arena.bench.workloads import Context, Page

SCENARIOS = scenarios.SCENARIOS
BASELINE_SCENARIOS = (scenarios.BY_NAME["items_get"], scenarios.BY_NAME["me"])
HEADLINE = "items_get"
# The connection count the contract tax's targets are judged at.
TAX_CONNECTIONS = 8
# Uneven beyond this: one worker held more than this share of the connections.
UNEVEN_SHARE = 0.75

# How each server spreads keep-alive connections over its workers, and what that means
# for a comparison; shown beside the measured splits. Keyed by the server's name.
BALANCING = {
    "uvicorn": "workers share one listening socket; a keep-alive connection stays with the "
    "worker that accepted it, so wrk's connections (opened at once) can pile onto one "
    "worker. Each round opens them anew, so the median over rounds mixes the splits.",
    "granian": "workers share one listening socket (no SO_REUSEPORT unless `--reuse-port`); "
    "as with uvicorn, a keep-alive connection stays with its first worker.",
    "gunicorn": "sync workers answer one request per connection and close it, so every "
    "request is accepted anew by whichever worker is free: the kernel balances per "
    "request, at the price of a TCP handshake each.",
}


def _scenarios_for(target: Target) -> tuple[scenarios.Scenario, ...]:
    return SCENARIOS if target.kind == "implementation" else BASELINE_SCENARIOS


class Crud:
    name = "crud"
    title = "CRUD endpoints"
    order = 10

    # -- measuring ---------------------------------------------------------------------

    def verify(self, ctx: Context, target: Target) -> list[str]:
        return scenarios.verify(target.url, ctx.fixtures, _scenarios_for(target))

    def measure(self, ctx: Context) -> dict[str, Any]:
        contestants = ctx.targets + ctx.baselines
        out: dict[str, Any] = {}
        if ctx.database_url is not None:
            out["queries"] = {
                "available": ctx.queries_ok,
                "note": ctx.queries_note,
                "track_utility": ctx.track_utility,
                "targets": self._queries(ctx, contestants) if ctx.queries_ok else {},
            }
        self._warm_up(ctx, contestants)
        out["memory"] = {
            t.id: {"after_warmup": memory_module.rss_mb(t.running.pid)}
            for t in contestants
            if t.running
        }
        out["http"] = self._http(ctx)
        for t in contestants:
            if t.running:
                out["memory"][t.id]["after_load"] = memory_module.rss_mb(t.running.pid)
        out["open_loop"] = self._open_loop(ctx, res.http_cells(out["http"]))
        if ctx.config.profile:
            out["profiles"] = self._profiles(ctx)
        if ctx.database_url is None:
            ctx.notes.append("remote target: POST /items rows were left in place")
        return out

    def _wrk_argv(
        self, ctx: Context, target: Target, script: str, connections: int, duration: float
    ) -> list[str]:
        return wrk.command(
            ctx.wrk,
            target.url,
            script,
            connections=connections,
            duration_s=duration,
            threads=ctx.config.wrk_threads,
            script_args=[ctx.fixtures.token, str(ctx.ids_file)],
            prefix=ctx.pinning.prefix(),
        )

    def _queries(self, ctx: Context, targets: list[Target]) -> dict[str, Any]:
        assert ctx.database_url is not None
        out: dict[str, Any] = {}
        n = ctx.config.query_requests
        rng = random.Random(1)
        with ctx.progress() as progress:
            work = [(t, s) for t in targets for s in _scenarios_for(t)]
            task = progress.add_task("queries per request", total=len(work))
            for target, scenario in work:
                with httpx.Client(base_url=target.url, timeout=10.0) as client:
                    counted = queries.count(
                        ctx.database_url,
                        functools.partial(scenarios.request, client, scenario, ctx.fixtures, rng),
                        n,
                    )
                out.setdefault(target.id, {})[scenario.name] = queries.summary(counted, n)
                progress.advance(task)
        ctx.cleanup()
        return out

    def _warm_up(self, ctx: Context, targets: list[Target]) -> None:
        config = ctx.config
        if config.warmup_s <= 0:
            return
        work = [
            (t, s)
            for t in targets
            for s in _scenarios_for(t)[: None if config.warmup_every_scenario else 1]
        ]
        with ctx.progress() as progress:
            task = progress.add_task("warm-up", total=len(work))
            for target, scenario in work:
                wrk.run(
                    self._wrk_argv(
                        ctx, target, scenario.script, max(config.connections), config.warmup_s
                    )
                )
                progress.advance(task)
        ctx.cleanup()

    def timed(
        self, ctx: Context, scenario: scenarios.Scenario, targets: list[Target]
    ) -> list[Target]:
        """Who runs ``scenario``: every target it applies to; in a smoke run, fewer."""
        contestants = [t for t in targets if scenario in _scenarios_for(t)]
        if ctx.config.smoke and scenario.name != HEADLINE and contestants:
            # GET /items/{id} runs on every target (the baselines serve only that), each other
            # scenario on one implementation in turn: every script and every server runs once.
            return [contestants[SCENARIOS.index(scenario) % len(contestants)]]
        return contestants

    def _measured_run(
        self, ctx: Context, target: Target, scenario: scenarios.Scenario, connections: int
    ) -> tuple[wrk.WrkResult, usage.Usage | None]:
        argv = self._wrk_argv(ctx, target, scenario.script, connections, ctx.config.duration_s)
        if target.running is None:
            return wrk.run(argv), None
        meter = usage.Meter(
            target.running.pid, target.port, ctx.postgres_pid, ctx.config.usage_sample_s
        )
        with meter:
            result = wrk.run(argv)
        return result, meter.usage

    def _http(self, ctx: Context) -> list[dict[str, Any]]:
        config = ctx.config
        targets = ctx.targets + ctx.baselines
        runs: list[dict[str, Any]] = []
        cells = [
            (s, c)
            for s in SCENARIOS
            for c in config.connections
            if s.name == HEADLINE or config.all_scenarios_at is None or c in config.all_scenarios_at
        ]
        total = config.rounds * sum(len(self.timed(ctx, s, targets)) for s, _c in cells)
        with ctx.progress() as progress:
            task = progress.add_task("wrk runs", total=total)
            for round_index in range(config.rounds):
                for scenario, connections in cells:
                    contestants = self.timed(ctx, scenario, targets)
                    if not contestants:
                        continue
                    shift = round_index % len(contestants)
                    for target in contestants[shift:] + contestants[:shift]:
                        try:
                            result, used = self._measured_run(ctx, target, scenario, connections)
                        except wrk.WrkFailed as exc:
                            ctx.notes.append(
                                f"{target.id} {scenario.label} c={connections} round "
                                f"{round_index}: no result ({str(exc).splitlines()[0]})"
                            )
                            progress.advance(task)
                            continue
                        run: dict[str, Any] = {
                            "target": target.id,
                            "scenario": scenario.name,
                            "connections": connections,
                            "round": round_index,
                            "result": result.to_json(),
                        }
                        if used is not None:
                            run["usage"] = used.to_json()
                        runs.append(run)
                        if scenario.method != "GET":
                            ctx.cleanup()
                        progress.advance(task)
        return runs

    def _open_loop(self, ctx: Context, cells: list[res.HttpCell]) -> dict[str, Any]:
        config = ctx.config
        tool = openloop.version(ctx.hey) if ctx.hey else None
        out: dict[str, Any] = {"tool": tool, "note": "", "runs": []}
        if not config.open_loop:
            out["note"] = "not measured (--no-open-loop)"
            return out
        if ctx.hey is None:
            out["note"] = f"not measured: {openloop.INSTALL_HINT}"
            ctx.notes.append(f"open-loop latency {out['note']}")
            return out
        contestants = []
        for target in ctx.targets + ctx.baselines:
            best = res.peak(cells, target.id, HEADLINE)
            if best is not None and best.rps.median > 0:
                contestants.append((target, best.rps.median))
        if config.smoke:
            contestants = contestants[:1]
        item_id = ctx.fixtures.item_ids[len(ctx.fixtures.item_ids) // 2]
        work = [(t, cap, f) for t, cap in contestants for f in config.open_loop_fractions]
        order = interleaved(work, config.open_loop_rounds)
        with ctx.progress() as progress:
            task = progress.add_task("open loop (hey)", total=len(order))
            for round_index, (target, capacity, fraction) in order:
                chosen = openloop.plan(capacity * fraction)
                try:
                    result = openloop.run(
                        ctx.hey,
                        f"{target.url}/items/{item_id}",
                        chosen,
                        duration_s=config.open_loop_duration_s,
                        prefix=ctx.pinning.prefix(),
                    )
                except (openloop.HeyFailed, OSError) as exc:
                    ctx.notes.append(
                        f"{target.id} open loop at {fraction:.0%}: no result "
                        f"({str(exc).splitlines()[0]})"
                    )
                    progress.advance(task)
                    continue
                out["runs"].append(
                    {
                        "target": target.id,
                        "scenario": HEADLINE,
                        "fraction": fraction,
                        "capacity_rps": capacity,
                        "round": round_index,
                        "plan": {
                            "rate": chosen.rate,
                            "processes": chosen.processes,
                            "workers": chosen.workers,
                            "per_worker_qps": chosen.per_worker_qps,
                        },
                        "result": result.to_json(),
                    }
                )
                progress.advance(task)
        return out

    def _profiles(self, ctx: Context) -> dict[str, Any]:
        config = ctx.config
        out: dict[str, Any] = {
            "scenario": HEADLINE,
            "connections": config.profile_connections,
            "duration_s": config.profile_duration_s,
            "files": {},
            "errors": {},
        }
        if ctx.out_dir is None:
            out["errors"]["*"] = "no output directory"
            return out
        if note := profiling.ptrace_note():
            ctx.notes.append(f"profiles: {note}")
        scenario = scenarios.BY_NAME[HEADLINE]
        live = [t for t in ctx.targets if t.running is not None]
        with ctx.progress() as progress:
            task = progress.add_task("profiles (py-spy)", total=len(live))
            for target in live:
                assert target.running is not None
                relative = Path("profiles") / f"{target.id.replace('/', '-')}.svg"
                argv = self._wrk_argv(
                    ctx,
                    target,
                    scenario.script,
                    config.profile_connections,
                    config.profile_duration_s + 2,
                )
                failed, load_failed = profiling.record_under_load(
                    target.running.pid, argv, ctx.out_dir / relative, config.profile_duration_s
                )
                if failed is None:
                    out["files"][target.id] = relative.as_posix()
                else:
                    out["errors"][target.id] = failed
                if load_failed is not None:
                    ctx.notes.append(f"{target.id} profile load: {load_failed}")
                progress.advance(task)
        return out

    # -- reporting ---------------------------------------------------------------------

    def context(self, page: Page) -> dict[str, Any]:
        data, section = page.data, page.section
        config = data["config"]
        cells = res.http_cells(section.get("http", []))
        connections = list(config.get("connections", []))
        middle = connections[len(connections) // 2] if connections else 0
        implementations = verified(data)
        baselines = verified(data, "baseline")
        slo = config.get("slo_p99_ms", 10.0)
        scenario_labels = [s.label for s in SCENARIOS]
        open_loop_config = config.get("open_loop") or {}
        fractions = [float(f) for f in open_loop_config.get("fractions", [])]
        return {
            "cores": data["environment"].get("cpu_count"),
            "workers": config.get("workers"),
            "usage_sample_s": config.get("usage_sample_s", 0.25),
            "uneven_share": UNEVEN_SHARE,
            "open_loop_fractions": " and ".join(f"{f:.0%}" for f in fractions) or "fractions",
            "open_loop_rounds": open_loop_config.get("rounds", 1),
            "glance_headers": [
                "target",
                f"GET /items/{{id}} @ {middle}",
                f"req/s at p99 < {slo:g} ms",
                "server CPU µs/req",
                "cold start",
                "queries (round trips)/req",
                "worker MiB",
                "code lines",
                "dependencies",
            ],
            "connections": connections,
            "middle": middle,
            "slo": slo,
            "wrk_threads": config.get("wrk_threads"),
            "implementations": implementations,
            "scenario_labels": scenario_labels,
            "glance": glance(data, cells, implementations, middle),
            "headline": [
                [t, *[cell_text(res.cell(cells, t, s.name, middle)) for s in SCENARIOS]]
                for t in implementations
            ],
            "levels": _levels(cells),
            "objective": [
                [t, *[_objective(cells, t, s.name, slo) for s in SCENARIOS]]
                for t in implementations
            ],
            "efficiency": _efficiency(data, section, cells, implementations + baselines, middle),
            "spread": _spread(cells, implementations + baselines, int(config.get("workers") or 1)),
            "balancing": _balancing(data),
            "open_loop": _open_loop_rows(section.get("open_loop") or {}, cells),
            "open_loop_info": section.get("open_loop") or {},
            "pgbench": [
                [
                    f"-M {r['mode']}",
                    str(r["clients"]),
                    f"{r['tps']:,.0f}",
                    fmt.ms(r["latency_ms"]),
                    str(r["failed"]),
                ]
                for r in data.get("pgbench", [])
            ],
            "ceilings": _ceilings(data, cells, implementations, baselines, connections),
            "tax": tax_targets(data, cells, implementations, baselines),
            "tax_connections": TAX_CONNECTIONS,
            "queries": _queries(section.get("queries")),
            "queries_info": section.get("queries") or {},
            "memory": _memory(section.get("memory") or {}),
            "profiles": _profiles_rows(section.get("profiles"), page.image_prefix),
            "profiles_info": section.get("profiles") or {},
            "noise": res.noise(cells),
            "image_prefix": page.image_prefix,
        }

    def charts(self, page: Page, out: Path) -> None:
        from arena.bench import charts

        charts.crud(page.data, page.section, out)


WORKLOAD = Crud()


# -- report rows (pure: they read the results document) -----------------------------------


def verified(data: dict[str, Any], kind: str = "implementation") -> list[str]:
    return [t["id"] for t in data.get("targets", []) if t["kind"] == kind and t["verified"]]


def impl_server(data: dict[str, Any], target_id: str) -> tuple[str, str]:
    for target in data.get("targets", []):
        if target["id"] == target_id:
            return str(target["impl"]), str(target["server"])
    return "", ""


def baseline_for(data: dict[str, Any], target_id: str, baselines: list[str]) -> str | None:
    impl, server = impl_server(data, target_id)
    for baseline in baselines:
        if impl_server(data, baseline) == (impl, server):
            return baseline
    return None


def cell_text(found: res.HttpCell | None) -> str:
    if found is None:
        return "—"
    text = f"{fmt.spread(found.rps)} / {fmt.ms(found.p99_ms.median)}"
    if not found.clean:
        text += f" ⚠ {found.errors} errors"
    return text


def _objective(cells: list[res.HttpCell], target: str, scenario: str, slo: float) -> str:
    best = res.throughput_at_objective(cells, target, scenario, slo)
    return "none" if best is None else f"{best.rps.median:,.0f} (c={best.connections})"


def _levels(cells: list[res.HttpCell]) -> list[list[str]]:
    return [
        [
            scenarios.BY_NAME[c.scenario].label,
            c.target,
            str(c.connections),
            fmt.spread(c.rps),
            fmt.ms(c.p50_ms.median),
            fmt.ms(c.p99_ms.median),
            fmt.ms(c.max_ms.median),
            "0" if c.clean else f"⚠ {c.errors} in {c.runs_with_errors}/{c.rps.n} runs",
        ]
        for c in sorted(cells, key=lambda c: (c.scenario, c.target, c.connections))
    ]


def glance(
    data: dict[str, Any], cells: list[res.HttpCell], implementations: list[str], middle: int
) -> list[list[str]]:
    """The at-a-glance rows: one per implementation x server."""
    slo = data["config"].get("slo_p99_ms", 10.0)
    section = res.workload(data, "crud")
    cold = data.get("cold_start", {})
    code = data.get("code", {})
    deps = data.get("dependencies", {})
    counted = (section.get("queries") or {}).get("targets", {})
    mem = section.get("memory", {})
    rows = []
    for target in implementations:
        impl, _ = impl_server(data, target)
        got = res.cell(cells, target, HEADLINE, middle)
        samples = cold.get(target, {}).get("samples_s") or []
        workers = mem.get(target, {}).get("after_load", {}).get("workers") or []
        per_request = counted.get(target, {})
        rows.append(
            [
                target,
                cell_text(got),
                _objective(cells, target, HEADLINE, slo),
                f"{got.server_cpu_us.median:,.0f}" if got and got.server_cpu_us else "—",
                f"{statistics.median(samples):.2f} s" if samples else "—",
                " / ".join(
                    _per_request(per_request[name])
                    for name in ("items_get", "items_list", "me", "items_create")
                    if name in per_request
                )
                or "—",
                f"{max(workers):.0f}" if workers else "—",
                str(code[impl]["total"]) if impl in code else "—",
                f"{deps[impl]['packages']} / {deps[impl]['installed_mb']:.0f} MiB"
                if impl in deps
                else "—",
            ]
        )
    return rows


def _per_request(count: dict[str, Any]) -> str:
    """Queries per request, and the round trips when they were counted (v2 results)."""
    queries_ = f"{round(count['per_request'], 2):g}"
    if "round_trips_per_request" in count:
        return f"{queries_} ({round(count['round_trips_per_request'], 2):g})"
    return queries_


def _tree_mib(section: dict[str, Any], target: str) -> float | None:
    after = (section.get("memory") or {}).get(target, {}).get("after_load") or {}
    total = after.get("total")
    return float(total) if total else None


def _efficiency(
    data: dict[str, Any],
    section: dict[str, Any],
    cells: list[res.HttpCell],
    targets: list[str],
    middle: int,
) -> list[list[str]]:
    rows = []
    for target in targets:
        workers = (section.get("memory") or {}).get(target, {}).get("after_load", {}).get(
            "workers"
        ) or []
        tree = _tree_mib(section, target)
        for scenario in SCENARIOS:
            found = res.cell(cells, target, scenario.name, middle)
            if found is None or found.server_cpu_us is None:
                continue
            server_us = found.server_cpu_us.median
            rows.append(
                [
                    target,
                    scenario.label,
                    fmt.spread(found.rps),
                    fmt.spread(found.server_cpu_us),
                    fmt.spread(found.postgres_cpu_us) if found.postgres_cpu_us else "—",
                    fmt.spread(found.generator_cpu_us) if found.generator_cpu_us else "—",
                    f"{1e6 / server_us:,.0f}" if server_us > 0 else "—",
                    f"{statistics.median(workers):.0f}" if workers else "—",
                    f"{found.rps.median / tree:.1f}" if tree else "—",
                ]
            )
    return rows


def _split_text(split: tuple[float, ...]) -> str:
    return "/".join(f"{v:.0f}" if v >= 1 or v == 0 else f"{v:.1f}" for v in split)


def uneven(split: tuple[float, ...]) -> bool:
    total = sum(split)
    return len(split) > 1 and total > 0 and split[0] / total > UNEVEN_SHARE


def padded(split: tuple[float, ...], workers: int) -> tuple[float, ...]:
    """A split with a zero for each worker that neither held a connection nor served.

    Such a worker is left out of the measured processes (it looks like an idle side
    process), but it is the very imbalance the split is there to show.
    """
    return split + (0.0,) * max(0, workers - len(split))


def _spread(cells: list[res.HttpCell], targets: list[str], workers: int) -> list[list[str]]:
    rows = []
    for target in targets:
        for found in sorted(
            (c for c in cells if c.target == target and c.scenario == HEADLINE),
            key=lambda c: c.connections,
        ):
            if not found.splits:
                continue
            splits = [padded(split, workers) for split in found.splits]
            shares = [padded(share, workers) for share in found.cpu_shares]
            flagged = sum(1 for split in splits if uneven(split))
            rows.append(
                [
                    target,
                    str(found.connections),
                    ", ".join(_split_text(s) for s in splits),
                    ", ".join("/".join(f"{v:.0%}" for v in s) for s in shares),
                    f"⚠ {flagged} of {len(splits)}" if flagged else "0",
                ]
            )
    return rows


def _balancing(data: dict[str, Any]) -> list[list[str]]:
    names = sorted({str(t["server"]) for t in data.get("targets", []) if t.get("verified")})
    return [[name, BALANCING.get(name, "not described")] for name in names]


def _open_loop_rows(info: dict[str, Any], cells: list[res.HttpCell]) -> list[list[str]]:
    grouped: dict[tuple[str, float], list[dict[str, Any]]] = {}
    for run in info.get("runs", []):
        grouped.setdefault((run["target"], float(run["fraction"])), []).append(run)
    rows = []
    for (target, fraction), runs in sorted(grouped.items()):
        results = [r["result"] for r in runs]
        closed = res.peak(cells, target, HEADLINE)
        plan = runs[0]["plan"]
        held = sum(1 for r in results if r["held_rate"])
        late = sum(int(r["late"]) for r in results)
        answered = sum(int(r["requests"]) for r in results)
        rows.append(
            [
                target,
                f"{fraction:.0%} of {runs[0]['capacity_rps']:,.0f}",
                f"{statistics.median(r['offered_rps'] for r in results):,.0f}",
                f"{statistics.median(r['achieved_rps'] for r in results):,.0f}"
                + ("" if held == len(results) else f" ⚠ {len(results) - held} short"),
                fmt.ms(statistics.median(r["latency_ms"]["p50"] for r in results)),
                fmt.ms(statistics.median(r["latency_ms"]["p99"] for r in results)),
                f"{fmt.ms(closed.p99_ms.median)} (c={closed.connections})" if closed else "—",
                f"{plan['processes']} x {plan['workers']} at {plan['per_worker_qps']:.1f}/s",
                f"{late / answered:.1%}" if answered else "—",
                str(max(int(r["burst"]) for r in results)),
                _generator_us(results),
                str(sum(int(r["error_count"]) for r in results)),
            ]
        )
    return rows


def _generator_us(results: list[dict[str, Any]]) -> str:
    """hey's own CPU per request sent (absent from results older than the measurement)."""
    values = [
        float(r["generator_cpu_s"]) / int(r["requests"]) * 1e6
        for r in results
        if r.get("generator_cpu_s") is not None and int(r["requests"]) > 0
    ]
    return f"{statistics.median(values):,.0f}" if values else "—"


def _ceilings(
    data: dict[str, Any],
    cells: list[res.HttpCell],
    implementations: list[str],
    baselines: list[str],
    connections: list[int],
) -> list[list[str]]:
    rows = []
    for scenario in BASELINE_SCENARIOS:
        for target in implementations:
            baseline = baseline_for(data, target, baselines)
            for c in connections:
                mine = res.cell(cells, target, scenario.name, c)
                if mine is None:
                    continue
                base = res.cell(cells, baseline, scenario.name, c) if baseline else None
                # pgbench runs the item query only.
                ceiling = res.pgbench_ceiling(data, c) if scenario.name == HEADLINE else None
                rows.append(
                    [
                        scenario.label,
                        target,
                        str(c),
                        f"{mine.rps.median:,.0f}",
                        baseline or "—",
                        f"{base.rps.median:,.0f}" if base else "—",
                        f"{mine.rps.median / base.rps.median:.2f}"
                        if base and base.rps.median
                        else "—",
                        f"{mine.p99_ms.median / base.p99_ms.median:.2f}"
                        if base and base.p99_ms.median
                        else "—",
                        f"{mine.rps.median / ceiling:.3f}" if ceiling else "—",
                    ]
                )
    return rows


def _ratio(mine: float | None, base: float | None) -> float | None:
    return mine / base if mine is not None and base else None


def tax_targets(
    data: dict[str, Any],
    cells: list[res.HttpCell],
    implementations: list[str],
    baselines: list[str],
) -> list[list[str]]:
    """Per implementation and server, the contract tax against its objectives (judged in
    the report, never in a timed test): req/s at least 0.8 of the baseline's on
    GET /items/{id} and GET /me, p99 at most twice the baseline's, GET /health at least
    as fast as the baseline's item query; all at ``TAX_CONNECTIONS``."""
    c = TAX_CONNECTIONS

    def median(target: str | None, scenario: str, metric: str) -> float | None:
        found = res.cell(cells, target, scenario, c) if target else None
        if found is None:
            return None
        return float(getattr(found, metric).median)

    rows = []
    for target in implementations:
        base = baseline_for(data, target, baselines)
        checks: list[tuple[float | None, float, bool]] = []  # (ratio, bound, at least?)
        for scenario in ("items_get", "me"):
            checks.append(
                (_ratio(median(target, scenario, "rps"), median(base, scenario, "rps")), 0.8, True)
            )
            checks.append(
                (
                    _ratio(median(target, scenario, "p99_ms"), median(base, scenario, "p99_ms")),
                    2.0,
                    False,
                )
            )
        checks.append(
            (_ratio(median(target, "health", "rps"), median(base, HEADLINE, "rps")), 1.0, True)
        )
        cells_text = ["—" if r is None else f"{r:.2f}" for r, _b, _a in checks]
        measured = [(r, b, a) for r, b, a in checks if r is not None]
        met = sum(1 for r, b, a in measured if (r >= b if a else r <= b))
        verdict = f"{met} of {len(measured)}" if measured else "not measured"
        rows.append([target, base or "—", *cells_text, verdict])
    return rows


def _queries(info: dict[str, Any] | None) -> list[list[str]]:
    rows = []
    for target, by_scenario in (info or {}).get("targets", {}).items():
        for scenario, count in by_scenario.items():
            top = "; ".join(f"{calls}x `{fmt.short(q)}`" for q, calls in count["top"][:3])
            trips = count.get("round_trips_per_request")
            rows.append(
                [
                    target,
                    scenarios.BY_NAME[scenario].label,
                    f"{count['per_request']:.2f}",
                    f"{count['transaction_per_request']:.2f}",
                    f"{count['utility'] / count['requests']:.2f}" if "utility" in count else "—",
                    f"**{trips:.2f}**" if trips is not None else "—",
                    top,
                ]
            )
    return rows


def _memory(mem: dict[str, Any]) -> list[list[str]]:
    rows = []
    for target, record in mem.items():
        warm, load = record.get("after_warmup", {}), record.get("after_load", {})
        rows.append(
            [
                target,
                ", ".join(f"{v:.0f}" for v in warm.get("workers", [])),
                ", ".join(f"{v:.0f}" for v in load.get("workers", [])),
                f"{warm.get('root', 0):.0f}",
                f"{load.get('total', 0):.0f}",
            ]
        )
    return rows


def _profiles_rows(info: dict[str, Any] | None, prefix: str) -> list[list[str]]:
    if not info:
        return []
    rows = [[t, f"[{Path(p).name}]({prefix}{p})"] for t, p in info.get("files", {}).items()]
    rows += [[t, f"not recorded: {reason}"] for t, reason in info.get("errors", {}).items()]
    return rows
