"""The I/O-bound workload: GET /items/{id}/enriched fans out to a slow downstream service.

For every implementation that declares the contract's level ``io``, on every server it
declares (its variants: event loops, threads, green threads), and beside them

- the downstream simulator itself (``downstream/``, its own processes), whose capacity
  at each delay must stay well above anything measured through an implementation, and
- bare waiting endpoints per server model (``bench/fanout/``: they only sleep for the
  latency), which show the ceiling of the server model alone,

it sweeps downstream latency x fan-out x connections, interleaved in rounds: for each
latency every contestant is started with ``DOWNSTREAM_URL`` pointing at the simulator
with that delay, then every (fan-out, connections) cell is timed with wrk for each
contestant in a rotating order. Each wrk run is bracketed by a ``usage.Meter`` (server
CPU per request) and followed by the workers' RSS; wrk counts answers per status, so a
502/504 is told apart from any other error. Little's law gives the ceiling:
connections / latency (the fan-out is concurrent, so it does not divide it).

It is not part of the full run's default set: ``make bench-fanout`` runs it alone
(``arena bench --workload fanout``) into its own results. Its section::

    {"latencies_ms": [...], "fanouts": [...], "connections": [...],
     "contestants": [{id, kind: "variant"|"calibration"|"simulator", impl, server,
                      failures: [str]}],
     "runs": [{target, latency_ms, fanout, connections, round, result: wrk result,
               usage: usage | null, rss_mb: float | null}],
     "settings": {env the variants ran with}}
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from arena import servers
from arena.bench import fmt, profiling, stats, usage, wrk
from arena.bench import memory as memory_module
from arena.bench.targets import Target
from arena.bench.workloads import Context, Page
from arena.downstream import SIMULATOR
from arena.project import Implementation, ProjectError, available, root

LEVEL = "io"
SIMULATOR_PORT = 8230
# Variants and calibrations run on these, all of one latency at a time.
PORTS = tuple(range(8231, 8260))
LABEL_PREFIX = "bench-fanout-"
SIMULATOR_WORKERS = 2
# Generous: the sweep measures queueing, not the contract's timeout; a pool as wide as
# the largest connection count, so that no default limit is what the figures show.
DOWNSTREAM_TIMEOUT_S = 10
DOWNSTREAM_CONNECTIONS = 1024
# The profiled cell's connections: the 256 (ceiling 1,280 req/s at 200 ms).
PROFILE_MAX_CONNECTIONS = 256
BODY_BYTES = 512


def calibration_dir() -> Path:
    return root() / "bench" / "fanout"


def ceiling(connections: int, latency_ms: float) -> float:
    """Little's law: at most ``connections`` requests in flight, each taking the latency."""
    return connections / (latency_ms / 1000) if latency_ms > 0 else float("inf")


@dataclass
class Contestant:
    id: str
    kind: str
    impl: str
    server: str
    served: Implementation
    env_extra: dict[str, str] = field(default_factory=dict)
    running: servers.Running | None = None
    failures: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "impl": self.impl,
            "server": self.server,
            "failures": self.failures,
        }


def _variants(impls: list[Implementation]) -> list[Contestant]:
    return [
        Contestant(f"{impl.name}/{server}", "variant", impl.name, server, impl)
        for impl in impls
        if LEVEL in impl.levels
        for server in impl.servers
    ]


def _calibrations() -> list[Contestant]:
    declared = tomllib.loads((calibration_dir() / "calibration.toml").read_text())["servers"]
    found = []
    for name, command in declared.items():
        model, _, server = name.partition("/")
        served = Implementation(
            name=f"calibration-{model}-{server}",
            port=0,
            app_module=f"sleep_{model}",
            default_server=server,
            servers={server: command},
        )
        extra = {"PYTHONPATH": str(calibration_dir())}
        found.append(
            Contestant(f"sleep-{model}/{server}", "calibration", "", server, served, extra)
        )
    return found


class Fanout:
    name = "fanout"
    title = "the I/O-bound fan-out (downstream latency x fan-out x connections)"
    order = 30
    # Run only when asked for (``--workload fanout``): it is a sweep of its own.
    in_full_run = False

    def verify(self, ctx: Context, target: Target) -> list[str]:
        return []  # its contestants are its own servers, verified when they start

    def measure(self, ctx: Context) -> dict[str, Any]:
        config = ctx.config
        out: dict[str, Any] = {
            "latencies_ms": config.fanout_latencies_ms,
            "fanouts": config.fanout_fanouts,
            "connections": config.fanout_connections,
            "contestants": [],
            "runs": [],
            "settings": {
                "DOWNSTREAM_TIMEOUT_SECONDS": DOWNSTREAM_TIMEOUT_S,
                "DOWNSTREAM_MAX_CONNECTIONS": DOWNSTREAM_CONNECTIONS,
                "bytes": BODY_BYTES,
                "simulator_workers": SIMULATOR_WORKERS,
            },
        }
        chosen = {t.impl for t in ctx.targets}
        impls = [i for i in available() if not chosen or i.name in chosen]
        contestants = _variants(impls) + _calibrations()
        if not any(c.kind == "variant" for c in contestants):
            ctx.notes.append("fanout: no implementation declares level io; calibrations only")
        simulator = self._start_simulator(ctx)
        if simulator is None:
            out["contestants"] = [c.to_json() for c in contestants]
            return out
        try:
            for latency in config.fanout_latencies_ms:
                self._at_latency(ctx, latency, contestants, out)
        finally:
            servers.stop(simulator)
        sim = Contestant("downstream", "simulator", "", "aiohttp", SIMULATOR)
        out["contestants"] = [c.to_json() for c in [*contestants, sim]]
        return out

    def _start_simulator(self, ctx: Context) -> servers.Running | None:
        try:
            running = servers.spawn(
                SIMULATOR,
                ctx.server_env,
                label=f"{LABEL_PREFIX}downstream",
                port=SIMULATOR_PORT,
                workers=SIMULATOR_WORKERS,
            )
            servers.wait_ready(running)
        except ProjectError as exc:
            ctx.notes.append(f"fanout: the downstream simulator did not start: {exc}")
            return None
        ctx.pinning.confine(running.pid)
        return running

    def _env(self, ctx: Context, contestant: Contestant, latency: float) -> dict[str, str]:
        url = f"http://{servers.HOST}:{SIMULATOR_PORT}/work?ms={latency:g}&bytes={BODY_BYTES}"
        env = {
            **ctx.server_env,
            "DOWNSTREAM_URL": url,
            "DOWNSTREAM_TIMEOUT_SECONDS": str(DOWNSTREAM_TIMEOUT_S),
            "DOWNSTREAM_MAX_CONNECTIONS": str(DOWNSTREAM_CONNECTIONS),
            "SLEEP_MS": f"{latency:g}",
        }
        if extra := contestant.env_extra.get("PYTHONPATH"):
            existing = env.get("PYTHONPATH")
            env["PYTHONPATH"] = extra + (f":{existing}" if existing else "")
        return env

    def _start(self, ctx: Context, contestants: list[Contestant], latency: float) -> None:
        for contestant, port in zip(contestants, PORTS, strict=False):
            contestant.running = None
            try:
                running = servers.spawn(
                    contestant.served,
                    self._env(ctx, contestant, latency),
                    label=f"{LABEL_PREFIX}{contestant.id.replace('/', '-')}",
                    port=port,
                    server=contestant.server,
                    workers=ctx.config.workers,
                )
                contestant.running = running
                servers.wait_ready(running)
            except ProjectError as exc:
                if contestant.running is not None:
                    servers.stop(contestant.running)
                    contestant.running = None
                contestant.failures.append(f"did not start: {str(exc).splitlines()[0]}")
                continue
            ctx.pinning.confine(running.pid)
            if contestant.kind == "variant":
                problem = self._check(ctx, running.url)
                if problem:
                    contestant.failures.append(problem)

    def _check(self, ctx: Context, url: str) -> str | None:
        item = ctx.fixtures.item_ids[0]
        headers = {"Authorization": f"Bearer {ctx.fixtures.token}"}
        try:
            answer = httpx.get(f"{url}/items/{item}/enriched?fanout=2", headers=headers, timeout=30)
        except httpx.HTTPError as exc:
            return f"GET /items/{{id}}/enriched: {exc}"
        try:
            parts = answer.json().get("parts", []) if answer.status_code == 200 else None
        except (ValueError, AttributeError):
            parts = None
        if not isinstance(parts, list) or len(parts) != 2:
            return f"GET /items/{{id}}/enriched?fanout=2: {answer.status_code} {answer.text[:200]}"
        return None

    def _at_latency(
        self, ctx: Context, latency: float, contestants: list[Contestant], out: dict[str, Any]
    ) -> None:
        config = ctx.config
        for contestant in contestants:
            contestant.failures = [f for f in contestant.failures if not f.startswith("did not")]
        self._start(ctx, contestants, latency)
        try:
            live: list[Contestant | None] = [
                c for c in contestants if c.running is not None and not c.failures
            ]
            work: list[tuple[int, int, Contestant | None]] = [
                (fanout, connections, c)
                for fanout in config.fanout_fanouts
                for connections in config.fanout_connections
                # A bare wait and the simulator have no fan-out: timed once per count.
                for c in [*live, None]
                if fanout == config.fanout_fanouts[0] or (c is not None and c.kind == "variant")
            ]
            # Rotating the order each round spreads drift over every contestant.
            with ctx.progress() as progress:
                task = progress.add_task(
                    f"fanout at {latency:g} ms", total=config.fanout_rounds * len(work)
                )
                for round_index in range(config.fanout_rounds):
                    shift = round_index % max(1, len(work))
                    for fanout, connections, who in work[shift:] + work[:shift]:
                        run = self._timed(ctx, latency, fanout, connections, who, round_index)
                        if run is not None:
                            out["runs"].append(run)
                        progress.advance(task)
            if config.profile and latency == max(config.fanout_latencies_ms):
                self._profiles(ctx, latency, contestants, out)
        finally:
            for contestant in contestants:
                if contestant.running is not None:
                    servers.stop(contestant.running)
                    contestant.running = None
        for contestant in contestants:
            for failure in contestant.failures:
                ctx.notes.append(f"fanout {contestant.id} at {latency:g} ms: {failure}")

    def _timed(
        self,
        ctx: Context,
        latency: float,
        fanout: int,
        connections: int,
        contestant: Contestant | None,
        round_index: int,
    ) -> dict[str, Any] | None:
        config = ctx.config
        if contestant is None:  # the simulator itself
            target_id, url, pid, port = (
                "downstream",
                f"http://{servers.HOST}:{SIMULATOR_PORT}",
                None,
                SIMULATOR_PORT,
            )
            script, args = "downstream.lua", [f"{latency:g}"]
        else:
            assert contestant.running is not None
            target_id, url = contestant.id, contestant.running.url
            pid, port = contestant.running.pid, int(url.rsplit(":", 1)[1])
            if contestant.kind == "variant":
                script = "enriched.lua"
                args = [ctx.fixtures.token, str(ctx.ids_file), str(fanout)]
            else:
                script, args = "path.lua", ["/sleep"]
        argv = self._argv(ctx, url, script, args, connections, config.fanout_duration_s)
        meter = usage.Meter(pid, port, ctx.postgres_pid, 1.0) if pid else None
        try:
            if meter is not None:
                with meter:
                    result = wrk.run(argv)
            else:
                result = wrk.run(argv)
        except wrk.WrkFailed as exc:
            ctx.notes.append(
                f"fanout {target_id} {latency:g} ms x{fanout} c={connections}: no result "
                f"({str(exc).splitlines()[0]})"
            )
            return None
        rss = memory_module.rss_mb(pid).get("total") if pid else None
        return {
            "target": target_id,
            "latency_ms": latency,
            "fanout": fanout,
            "connections": connections,
            "round": round_index,
            "result": result.to_json(),
            "usage": meter.usage.to_json() if meter is not None and meter.usage else None,
            "rss_mb": rss,
        }

    def _argv(
        self,
        ctx: Context,
        url: str,
        script: str,
        args: list[str],
        connections: int,
        duration_s: float,
    ) -> list[str]:
        return wrk.command(
            ctx.wrk,
            url,
            script,
            connections=connections,
            duration_s=duration_s,
            threads=ctx.config.wrk_threads,
            timeout_s=max(5, round(DOWNSTREAM_TIMEOUT_S * 2)),
            script_args=args,
            prefix=ctx.pinning.prefix(),
        )

    def _profiles(
        self, ctx: Context, latency: float, contestants: list[Contestant], out: dict[str, Any]
    ) -> None:
        """A py-spy flamegraph of each variant's busiest worker in one loaded cell.

        The cell is the slowest latency at fan-out 1 and the most connections up to
        ``PROFILE_MAX_CONNECTIONS``: where the sweep shows which variants fall short of
        the ceiling, so the profile shows what the CPU was doing instead of waiting.
        """
        config = ctx.config
        counts = [c for c in config.fanout_connections if c <= PROFILE_MAX_CONNECTIONS]
        connections = max(counts or config.fanout_connections)
        fanout = config.fanout_fanouts[0]
        section: dict[str, Any] = {
            "latency_ms": latency,
            "fanout": fanout,
            "connections": connections,
            "duration_s": config.profile_duration_s,
            "files": {},
            "errors": {},
        }
        out["profiles"] = section
        if ctx.out_dir is None:
            section["errors"]["*"] = "no output directory"
            return
        if note := profiling.ptrace_note():
            ctx.notes.append(f"fanout profiles: {note}")
        variants = [c for c in contestants if c.kind == "variant" and c.running and not c.failures]
        args = [ctx.fixtures.token, str(ctx.ids_file), str(fanout)]
        for contestant in variants:
            assert contestant.running is not None
            relative = Path("profiles") / f"fanout-{contestant.id.replace('/', '-')}.svg"
            argv = self._argv(
                ctx,
                contestant.running.url,
                "enriched.lua",
                args,
                connections,
                config.profile_duration_s + 2,
            )
            failed, load_failed = profiling.record_under_load(
                contestant.running.pid, argv, ctx.out_dir / relative, config.profile_duration_s
            )
            if failed is None:
                section["files"][contestant.id] = relative.as_posix()
            else:
                section["errors"][contestant.id] = failed
            if load_failed is not None:
                ctx.notes.append(f"fanout {contestant.id} profile load: {load_failed}")

    # -- reporting ---------------------------------------------------------------------

    def context(self, page: Page) -> dict[str, Any]:
        section = page.section
        return {
            "rows": table_rows(section),
            "memory": memory_rows(section),
            "capacity": simulator_rows(section),
            "settings": section.get("settings", {}),
            "image_prefix": page.image_prefix,
            "latencies": section.get("latencies_ms", []),
            "profiles": section.get("profiles"),
        }

    def charts(self, page: Page, out: Path) -> None:
        from arena.bench import charts

        charts.fanout(page.data, page.section, out)


WORKLOAD = Fanout()


@dataclass(frozen=True)
class Cell:
    target: str
    latency_ms: float
    fanout: int
    connections: int
    rps: stats.Summary
    p50_ms: stats.Summary
    p99_ms: stats.Summary
    other_errors: int
    gateway_errors: int
    server_cpu_us: stats.Summary | None
    rss_mb: float | None


def cells(section: dict[str, Any]) -> list[Cell]:
    grouped: dict[tuple[str, float, int, int], list[dict[str, Any]]] = {}
    for run in section.get("runs", []):
        key = (run["target"], float(run["latency_ms"]), int(run["fanout"]), int(run["connections"]))
        grouped.setdefault(key, []).append(run)
    found = []
    for (target, latency, fanout, connections), runs in sorted(grouped.items()):
        results = [r["result"] for r in runs]
        gateway = sum(
            n
            for r in results
            for status, n in r.get("statuses", {}).items()
            if status in ("502", "504")
        )
        non_ok = sum(
            n for r in results for status, n in r.get("statuses", {}).items() if status != "200"
        )
        socket_errors = sum(
            int(v) for r in results for k, v in r["errors"].items() if k != "status"
        )
        cpu = [
            float(r["usage"]["server_cpu_s"]) / int(r["result"]["requests"]) * 1e6
            for r in runs
            if r.get("usage") and int(r["result"]["requests"])
        ]
        rss = [float(r["rss_mb"]) for r in runs if r.get("rss_mb") is not None]
        found.append(
            Cell(
                target=target,
                latency_ms=latency,
                fanout=fanout,
                connections=connections,
                rps=stats.summarise([float(r["rps"]) for r in results]),
                p50_ms=stats.summarise([float(r["latency_ms"]["p50"]) for r in results]),
                p99_ms=stats.summarise([float(r["latency_ms"]["p99"]) for r in results]),
                other_errors=non_ok - gateway + socket_errors,
                gateway_errors=gateway,
                server_cpu_us=stats.summarise(cpu) if cpu else None,
                rss_mb=max(rss) if rss else None,
            )
        )
    return found


def table_rows(section: dict[str, Any]) -> list[list[str]]:
    kinds = {c["id"]: c["kind"] for c in section.get("contestants", [])}
    rows = []
    for cell in cells(section):
        limit = ceiling(cell.connections, cell.latency_ms)
        rows.append(
            [
                cell.target,
                f"{cell.latency_ms:g}",
                str(cell.fanout) if kinds.get(cell.target) == "variant" else "—",
                str(cell.connections),
                fmt.spread(cell.rps),
                f"{limit:,.0f}",
                f"{cell.rps.median / limit:.2f}" if limit else "—",
                fmt.ms(cell.p50_ms.median),
                fmt.ms(cell.p99_ms.median),
                fmt.spread(cell.server_cpu_us) if cell.server_cpu_us else "—",
                f"{cell.rss_mb:.0f}" if cell.rss_mb is not None else "—",
                f"{cell.gateway_errors:,} / {cell.other_errors:,}",
            ]
        )
    return rows


def memory_rows(section: dict[str, Any]) -> list[list[str]]:
    """Per contestant and latency: RSS growth per 1,000 requests in flight (connections
    held), from the fewest to the most connections, at the smallest fan-out."""
    by_target: dict[tuple[str, float], list[Cell]] = {}
    for cell in cells(section):
        if cell.fanout == min(section.get("fanouts") or [1]) and cell.rss_mb is not None:
            by_target.setdefault((cell.target, cell.latency_ms), []).append(cell)
    rows = []
    for (target, latency), found in sorted(by_target.items()):
        low, high = min(found, key=lambda c: c.connections), max(found, key=lambda c: c.connections)
        if high.connections == low.connections or low.rss_mb is None or high.rss_mb is None:
            continue
        # In a closed loop each connection is one request in flight (until saturation).
        per_thousand = (high.rss_mb - low.rss_mb) / (high.connections - low.connections) * 1000
        rows.append(
            [target, f"{latency:g}", f"{low.connections}→{high.connections}", f"{low.rss_mb:.0f}",
             f"{high.rss_mb:.0f}", f"{per_thousand:,.0f}"]
        )  # fmt: skip
    return rows


def simulator_rows(section: dict[str, Any]) -> list[list[str]]:
    """The simulator's own capacity per delay, beside the best req/s through any variant."""
    found = cells(section)
    kinds = {c["id"]: c["kind"] for c in section.get("contestants", [])}
    rows = []
    for latency in section.get("latencies_ms", []):
        own = [c for c in found if c.target == "downstream" and c.latency_ms == latency]
        through = [
            c.rps.median * c.fanout
            for c in found
            if kinds.get(c.target) == "variant" and c.latency_ms == latency
        ]
        if not own:
            continue
        best_own = max(c.rps.median for c in own)
        best_through = max(through) if through else None
        rows.append(
            [
                f"{latency:g}",
                f"{best_own:,.0f}",
                "—" if best_through is None else f"{best_through:,.0f}",
                "—" if not best_through else f"{best_own / best_through:.1f}",
            ]
        )
    return rows
