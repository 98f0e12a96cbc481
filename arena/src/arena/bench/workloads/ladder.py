"""The per-layer ladder: where a request's time goes, layer by layer, per framework.

For each implementation x server with rungs declared in ``bench/ladder/<impl>/rungs.toml``
(format: ``bench/ladder/README.md``), the minimal baseline, each rung and the full
implementation are measured in one interleaved run for GET /items/{id} and GET /me
at ``LADDER_CONNECTIONS``, every wrk run bracketed by a ``usage.Meter``, so each step
shows its server CPU per request and what it added to the step below. The rungs are
started here on ``LADDER_PORTS`` (a few at a time when there are more) and verified
like the baselines before any timing.

Its section of the results::

    {"connections": 8,
     "steps": [{group: "fastapi/uvicorn", step, name, label, kind: "baseline"|"rung"|
                "implementation", target, failures: [str]}],
     "http": [{group, target, scenario, connections, round, result: wrk result,
               usage: usage}]}
"""

from __future__ import annotations

import functools
import random
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from arena import servers
from arena.bench import fmt, queries, revisions, scenarios, usage, wrk
from arena.bench import results as res
from arena.bench.targets import Target
from arena.bench.workloads import Context, Page
from arena.project import Implementation, ProjectError, implementation, root

SCENARIOS = (scenarios.BY_NAME["items_get"], scenarios.BY_NAME["me"])
LADDER_CONNECTIONS = 8
# The benchmark's own range (8201-8229): rungs and revisions run that many at a time.
LADDER_PORTS = tuple(range(8222, 8230))
# Steps are numbered: baseline 0, rungs 1..n, revisions from here, the implementation 99.
REVISION_STEPS = 50
ROUND_TRIP_REQUESTS = 50
LABEL_PREFIX = "bench-ladder-"


@dataclass(frozen=True)
class Rung:
    impl: str
    name: str
    label: str
    module: str
    servers: dict[str, str]
    directory: Path
    number: int
    """Its place in its folder's rungs.toml, from 1."""


@dataclass
class Step:
    group: str
    step: int
    name: str
    label: str
    kind: str
    target: Target
    failures: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "step": self.step,
            "name": self.name,
            "label": self.label,
            "kind": self.kind,
            "target": self.target.id,
            "failures": self.failures,
        }


def ladder_dir() -> Path:
    return root() / "bench" / "ladder"


def load_rungs(directory: Path | None = None) -> list[Rung]:
    """Every declared rung, per implementation folder, in the order of its rungs.toml."""
    directory = directory or ladder_dir()
    found = []
    for declaration in sorted(directory.glob("*/rungs.toml")):
        data = tomllib.loads(declaration.read_text())
        for number, entry in enumerate(data.get("rung", []), start=1):
            missing = [k for k in ("name", "label", "module", "servers") if k not in entry]
            if missing:
                raise ProjectError(f"{declaration}: a rung lacks {', '.join(missing)}")
            found.append(
                Rung(
                    impl=declaration.parent.name,
                    name=str(entry["name"]),
                    label=str(entry["label"]),
                    module=str(entry["module"]),
                    servers=dict(entry["servers"]),
                    directory=declaration.parent,
                    number=number,
                )
            )
    return found


@dataclass(frozen=True)
class Candidate:
    """Something the ladder starts beside the baseline and the implementation: a rung, or
    the implementation at an earlier revision."""

    kind: str
    name: str
    label: str
    step_number: int
    implementation: Implementation
    env: dict[str, str]

    @classmethod
    def of_rung(cls, rung: Rung, target: Target, env: dict[str, str]) -> Candidate:
        existing = env.get("PYTHONPATH")
        path = str(rung.directory) + (f":{existing}" if existing else "")
        served = Implementation(
            name=f"ladder-{rung.impl}-{rung.name}",
            port=0,
            app_module=rung.module,
            default_server=next(iter(rung.servers)),
            servers=rung.servers,
        )
        return cls("rung", rung.name, rung.label, rung.number, served, {**env, "PYTHONPATH": path})

    @classmethod
    def of_revision(
        cls, revision: revisions.Revision, position: int, target: Target, env: dict[str, str]
    ) -> Candidate:
        return cls(
            "revision",
            f"at-{revision.short}",
            f"impl_{target.impl} at {revision.short}",
            REVISION_STEPS + position,
            revision.implementation(target.impl),
            revision.env(target.impl, env),
        )

    def step(self, group: str, target: Target) -> Step:
        served = Target(
            id=f"ladder-{target.impl}-{self.name}/{target.server}",
            impl=target.impl,
            server=target.server,
            kind=self.kind,
        )
        return Step(group, self.step_number, self.name, self.label, self.kind, served)


def _is_default(target: Target) -> bool:
    try:
        return implementation(target.impl).default_server == target.server
    except ProjectError:
        return False


def _chunks(items: list[Candidate], size: int) -> list[list[Candidate]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class Ladder:
    name = "ladder"
    title = "the per-layer ladder (baseline, rungs, implementation)"
    order = 20

    def verify(self, ctx: Context, target: Target) -> list[str]:
        # The rungs are verified when they start; the baselines and implementations
        # are the crud workload's to verify.
        return []

    def measure(self, ctx: Context) -> dict[str, Any]:
        out: dict[str, Any] = {"connections": LADDER_CONNECTIONS, "steps": [], "http": []}
        try:
            rungs = load_rungs()
        except (OSError, tomllib.TOMLDecodeError, ProjectError) as exc:
            ctx.notes.append(f"ladder: {exc}")
            rungs = []
        earlier = self._revisions(ctx, out)
        for target in ctx.targets:
            base = next(
                (b for b in ctx.baselines if (b.impl, b.server) == (target.impl, target.server)),
                None,
            )
            if base is None or target.running is None:
                continue
            mine = [
                Candidate.of_rung(r, target, ctx.server_env)
                for r in rungs
                if ctx.config.ladder_rungs
                and r.impl == target.impl
                and target.server in r.servers
                and (ctx.config.ladder_all_servers or _is_default(target))
            ]
            if ctx.config.ladder_all_servers or _is_default(target):
                mine += [
                    Candidate.of_revision(rev, position, target, ctx.server_env)
                    for position, (only, rev) in enumerate(earlier)
                    if only in (None, target.impl)
                ]
            if not mine:
                continue
            for chunk in _chunks(mine, len(LADDER_PORTS)):
                steps = self._group(ctx, target, base, chunk, out)
                out["steps"] += [s.to_json() for s in steps]
            if ctx.config.smoke:
                break  # one group shows that the ladder runs
        return out

    def _revisions(
        self, ctx: Context, out: dict[str, Any]
    ) -> list[tuple[str | None, revisions.Revision]]:
        """``REV`` (every implementation) or ``IMPL=REV`` (that one only), exported."""
        found = []
        for requested in ctx.config.revisions:
            only, _, rev = requested.rpartition("=")
            try:
                found.append((only or None, revisions.checkout(rev)))
            except ProjectError as exc:
                ctx.notes.append(f"ladder: revision {requested} not measured: {exc}")
        out["revisions"] = [{**rev.to_json(), "impl": only} for only, rev in found]
        return found

    def _group(
        self,
        ctx: Context,
        target: Target,
        baseline: Target,
        candidates: list[Candidate],
        out: dict[str, Any],
    ) -> list[Step]:
        """Start ``candidates``, verify them, time them interleaved with the baseline and
        ``target``."""
        group = target.id
        steps = [Step(group, 0, "baseline", "minimal app (bench/baselines/)", "baseline", baseline)]
        started: list[servers.Running] = []
        try:
            for candidate, port in zip(candidates, LADDER_PORTS, strict=False):
                step = candidate.step(group, target)
                steps.append(step)
                try:
                    running = servers.spawn(
                        candidate.implementation,
                        candidate.env,
                        label=f"{LABEL_PREFIX}{target.impl}-{candidate.name}-{target.server}",
                        port=port,
                        server=target.server,
                        workers=ctx.config.workers,
                    )
                    started.append(running)
                    servers.wait_ready(running)
                except ProjectError as exc:
                    step.failures.append(f"did not start: {str(exc).splitlines()[0]}")
                    continue
                ctx.pinning.confine(running.pid)
                step.target.running, step.target.url = running, running.url
                step.failures += scenarios.verify(running.url, ctx.fixtures, SCENARIOS)
            steps.append(
                Step(group, 99, "implementation", f"impl_{target.impl}", "implementation", target)
            )
            live = [s for s in steps if not s.failures and s.target.running is not None]
            if ctx.queries_ok and ctx.database_url is not None:
                out.setdefault("queries", {}).update(self._round_trips(ctx, live))
            out["http"] += self._interleaved(ctx, group, live)
        finally:
            for running in started:
                servers.stop(running)
        for step in steps:
            if step.failures:
                ctx.notes.append(f"ladder {step.target.id}: " + "; ".join(step.failures))
        return steps

    def _round_trips(self, ctx: Context, steps: list[Step]) -> dict[str, dict[str, Any]]:
        """Statements sent per request by each step, counted beside the step's timing."""
        assert ctx.database_url is not None
        rng = random.Random(1)
        out: dict[str, dict[str, Any]] = {}
        for step in steps:
            target = step.target
            with httpx.Client(base_url=target.url, timeout=10.0) as client:
                for scenario in SCENARIOS:
                    found = queries.count(
                        ctx.database_url,
                        functools.partial(scenarios.request, client, scenario, ctx.fixtures, rng),
                        ROUND_TRIP_REQUESTS,
                    )
                    out.setdefault(target.id, {})[scenario.name] = queries.summary(
                        found, ROUND_TRIP_REQUESTS
                    )
        return out

    def _interleaved(self, ctx: Context, group: str, steps: list[Step]) -> list[dict[str, Any]]:
        config = ctx.config
        runs = []
        work = [(scenario, step) for scenario in SCENARIOS for step in steps]
        with ctx.progress() as progress:
            task = progress.add_task(f"ladder {group}", total=config.rounds * len(work))
            for round_index in range(config.rounds):
                for scenario in SCENARIOS:
                    shift = round_index % len(steps)
                    for step in steps[shift:] + steps[:shift]:
                        target = step.target
                        assert target.running is not None
                        argv = wrk.command(
                            ctx.wrk,
                            target.url,
                            scenario.script,
                            connections=LADDER_CONNECTIONS,
                            duration_s=config.duration_s,
                            threads=config.wrk_threads,
                            script_args=[ctx.fixtures.token, str(ctx.ids_file)],
                            prefix=ctx.pinning.prefix(),
                        )
                        meter = usage.Meter(
                            target.running.pid, target.port, ctx.postgres_pid, config.usage_sample_s
                        )
                        try:
                            with meter:
                                result = wrk.run(argv)
                        except wrk.WrkFailed as exc:
                            ctx.notes.append(
                                f"ladder {target.id} {scenario.label}: no result "
                                f"({str(exc).splitlines()[0]})"
                            )
                            progress.advance(task)
                            continue
                        assert meter.usage is not None
                        runs.append(
                            {
                                "group": group,
                                "target": target.id,
                                "scenario": scenario.name,
                                "connections": LADDER_CONNECTIONS,
                                "round": round_index,
                                "result": result.to_json(),
                                "usage": meter.usage.to_json(),
                            }
                        )
                        progress.advance(task)
        return runs

    # -- reporting ---------------------------------------------------------------------

    def context(self, page: Page) -> dict[str, Any]:
        return {
            "connections": page.section.get("connections", LADDER_CONNECTIONS),
            "groups": table_rows(page.section),
            "revisions": revision_rows(page.section),
            "revisions_measured": page.section.get("revisions", []),
            "image_prefix": page.image_prefix,
        }

    def charts(self, page: Page, out: Path) -> None:
        from arena.bench import charts

        charts.ladder(page.data, page.section, out)


WORKLOAD = Ladder()


def steps_by_group(section: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for step in sorted(section.get("steps", []), key=lambda s: (s["group"], s["step"])):
        grouped.setdefault(step["group"], []).append(step)
    return grouped


def _trips(section: dict[str, Any], target: str, scenario: str) -> str:
    found = section.get("queries", {}).get(target, {}).get(scenario)
    return f"{found['round_trips_per_request']:.2f}" if found else "—"


def table_rows(section: dict[str, Any]) -> list[tuple[str, list[list[str]]]]:
    """Per group: one row per layer (baseline, rungs, implementation) and scenario, with
    what the layer added to the one below and the step's ratio to the baseline."""
    cells = res.http_cells(section.get("http", []))
    out = []
    for group, steps in steps_by_group(section).items():
        layers = [s for s in steps if s["kind"] != "revision"]
        rows = []
        for scenario in SCENARIOS:
            below: float | None = None
            base_rps: float | None = None
            for step in layers:
                found = res.cell(cells, step["target"], scenario.name, LADDER_CONNECTIONS)
                if step["failures"] or found is None or found.server_cpu_us is None:
                    reason = "; ".join(step["failures"]) or "not measured"
                    rows.append([scenario.label, step["label"], reason, "", "", "", "", "", ""])
                    continue
                cpu = found.server_cpu_us.median
                if step["kind"] == "baseline":
                    base_rps = found.rps.median
                rows.append(
                    [
                        scenario.label,
                        step["label"],
                        fmt.spread(found.rps),
                        "—" if not base_rps else f"{found.rps.median / base_rps:.2f}",
                        fmt.ms(found.p99_ms.median),
                        fmt.spread(found.server_cpu_us),
                        "—" if below is None else f"{cpu - below:+,.0f}",
                        _trips(section, step["target"], scenario.name),
                        "" if found.clean else f"{found.errors:,} errors",
                    ]
                )
                below = cpu
        out.append((group, rows))
    return out


def revision_rows(section: dict[str, Any]) -> list[tuple[str, list[list[str]]]]:
    """Per group: each earlier revision, then the current implementation, per scenario,
    with the change in req/s from the row above (before and after, one interleaved run)."""
    cells = res.http_cells(section.get("http", []))
    out = []
    for group, steps in steps_by_group(section).items():
        compared = [s for s in steps if s["kind"] in ("revision", "implementation")]
        if len(compared) < 2 or compared[0]["kind"] != "revision":
            continue
        rows = []
        for scenario in SCENARIOS:
            above: float | None = None
            for step in compared:
                label = "this checkout" if step["kind"] == "implementation" else step["label"]
                found = res.cell(cells, step["target"], scenario.name, LADDER_CONNECTIONS)
                if step["failures"] or found is None:
                    reason = "; ".join(step["failures"]) or "not measured"
                    rows.append([scenario.label, label, reason, "", "", "", "", ""])
                    continue
                rps = found.rps.median
                rows.append(
                    [
                        scenario.label,
                        label,
                        fmt.spread(found.rps),
                        "—" if above is None else f"{(rps / above - 1) * 100:+.0f}%",
                        fmt.ms(found.p50_ms.median),
                        fmt.ms(found.p99_ms.median),
                        fmt.spread(found.server_cpu_us) if found.server_cpu_us else "—",
                        _trips(section, step["target"], scenario.name),
                    ]
                )
                above = rps
        out.append((group, rows))
    return out
