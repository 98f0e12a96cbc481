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

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arena import servers
from arena.bench import fmt, scenarios, usage, wrk
from arena.bench import results as res
from arena.bench.targets import Target
from arena.bench.workloads import Context, Page
from arena.project import Implementation, ProjectError, root

SCENARIOS = (scenarios.BY_NAME["items_get"], scenarios.BY_NAME["me"])
LADDER_CONNECTIONS = 8
# Free within the benchmark's own range (8201-8221): rungs run that many at a time.
LADDER_PORTS = (8210, 8220)
LABEL_PREFIX = "bench-ladder-"


@dataclass(frozen=True)
class Rung:
    impl: str
    name: str
    label: str
    module: str
    servers: dict[str, str]
    directory: Path


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
        for entry in data.get("rung", []):
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
                )
            )
    return found


def _implementation(rung: Rung) -> Implementation:
    return Implementation(
        name=f"ladder-{rung.impl}-{rung.name}",
        port=0,
        app_module=rung.module,
        default_server=next(iter(rung.servers)),
        servers=rung.servers,
    )


def _env(env: dict[str, str], rung: Rung) -> dict[str, str]:
    existing = env.get("PYTHONPATH")
    return {**env, "PYTHONPATH": str(rung.directory) + (f":{existing}" if existing else "")}


def _chunks(items: list[Rung], size: int) -> list[list[Rung]]:
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
            return out
        for target in ctx.targets:
            mine = [r for r in rungs if r.impl == target.impl and target.server in r.servers]
            base = next(
                (b for b in ctx.baselines if (b.impl, b.server) == (target.impl, target.server)),
                None,
            )
            if not mine or base is None or target.running is None:
                continue
            for first, chunk in enumerate(_chunks(mine, len(LADDER_PORTS))):
                steps = self._group(ctx, target, base, chunk, 1 + first * len(LADDER_PORTS), out)
                out["steps"] += [s.to_json() for s in steps]
            if ctx.config.smoke:
                break  # one group shows that the ladder runs
        return out

    def _group(
        self,
        ctx: Context,
        target: Target,
        baseline: Target,
        rungs: list[Rung],
        offset: int,
        out: dict[str, Any],
    ) -> list[Step]:
        """Start ``rungs``, verify them, time them interleaved with the baseline and ``target``."""
        group = target.id
        steps = [Step(group, 0, "baseline", "minimal app (bench/baselines/)", "baseline", baseline)]
        started: list[servers.Running] = []
        try:
            for index, (rung, port) in enumerate(zip(rungs, LADDER_PORTS, strict=False)):
                rung_target = Target(
                    id=f"ladder-{target.impl}-{rung.name}/{target.server}",
                    impl=target.impl,
                    server=target.server,
                    kind="rung",
                )
                step = Step(group, offset + index, rung.name, rung.label, "rung", rung_target)
                steps.append(step)
                try:
                    running = servers.spawn(
                        _implementation(rung),
                        _env(ctx.server_env, rung),
                        label=f"{LABEL_PREFIX}{target.impl}-{rung.name}-{target.server}",
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
                rung_target.running, rung_target.url = running, running.url
                step.failures += scenarios.verify(running.url, ctx.fixtures, SCENARIOS)
            steps.append(
                Step(group, 99, "implementation", f"impl_{target.impl}", "implementation", target)
            )
            live = [s for s in steps if not s.failures and s.target.running is not None]
            out["http"] += self._interleaved(ctx, group, live)
        finally:
            for running in started:
                servers.stop(running)
        for step in steps:
            if step.failures:
                ctx.notes.append(f"ladder {step.target.id}: " + "; ".join(step.failures))
        return steps

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


def table_rows(section: dict[str, Any]) -> list[tuple[str, list[list[str]]]]:
    """Per group: one row per step and scenario, with what the step added."""
    cells = res.http_cells(section.get("http", []))
    out = []
    for group, steps in steps_by_group(section).items():
        rows = []
        for scenario in SCENARIOS:
            below: float | None = None
            for step in steps:
                found = res.cell(cells, step["target"], scenario.name, LADDER_CONNECTIONS)
                if step["failures"] or found is None or found.server_cpu_us is None:
                    reason = "; ".join(step["failures"]) or "not measured"
                    rows.append([scenario.label, step["label"], step["target"], reason, "", "", ""])
                    continue
                cpu = found.server_cpu_us.median
                rows.append(
                    [
                        scenario.label,
                        step["label"],
                        step["target"],
                        fmt.spread(found.rps),
                        fmt.ms(found.p99_ms.median),
                        fmt.spread(found.server_cpu_us),
                        "—" if below is None else f"{cpu - below:+,.0f}",
                    ]
                )
                below = cpu
        out.append((group, rows))
    return out
