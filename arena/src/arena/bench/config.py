"""How big a benchmark run is: one ``BenchConfig``, with the full, quick and smoke sizes.

The full run (``make bench``) repeats every cell in at least five interleaved rounds
of at least five seconds, so a cell's median and spread rest on enough repeats to
tell a difference from noise; quick and smoke runs stay short and say so on every
page they write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class BenchConfig:
    quick: bool = False
    rounds: int = 5
    duration_s: int = 5
    warmup_s: int = 1
    connections: list[int] = field(default_factory=lambda: [8, 64])
    # Every scenario runs at these connection counts; GET /items/{id}, the headline, at
    # all of ``connections`` (None: every scenario at every count).
    all_scenarios_at: list[int] | None = field(default_factory=lambda: [8])
    wrk_threads: int = 1
    workers: int = 2
    coldstart_repeats: int = 10
    import_repeats: int = 10
    slo_p99_ms: float = 10.0
    seed_items: int = 10_000
    all_servers: bool = True
    query_requests: int = 100
    pgbench_duration_s: int = 5
    footgun_duration_s: int = 5
    warmup_every_scenario: bool = True
    # The first cold start and import of each contestant writes bytecode caches: not timed.
    discard_first: bool = True
    smoke: bool = False
    # Open loop: fixed offered rates, as fractions of each target's measured capacity.
    open_loop: bool = True
    open_loop_fractions: list[float] = field(default_factory=lambda: [0.5, 0.8])
    open_loop_rounds: int = 3
    open_loop_duration_s: int = 5
    # How often the connections held by each worker are counted during a wrk run.
    usage_sample_s: float = 0.25
    profile: bool = False
    profile_connections: int = 8
    profile_duration_s: int = 10
    impls: list[str] | None = None
    # The ladder's rungs on every server an implementation declares, or on its default
    # server only (the other servers still get baseline vs implementation in crud).
    ladder_all_servers: bool = False
    # The rungs themselves (off: baseline, revisions and implementation only).
    ladder_rungs: bool = True
    # Earlier revisions of the implementations measured in the ladder (before/after).
    revisions: list[str] = field(default_factory=list)
    # Only these workloads, with no cold starts, pgbench or exhibit (None: every workload
    # of the full run).
    workloads: list[str] | None = None
    # The fan-out sweep (workload "fanout", level io): downstream latency x fan-out x
    # connections, each cell repeated in interleaved rounds. 2 rounds x 2 s per cell keep
    # the 800 runs (10 variants, 4 bare waits and the simulator) near 35 min; the
    # spread between the two rounds is shown beside every median.
    fanout_latencies_ms: list[float] = field(default_factory=lambda: [1, 10, 50, 200])
    fanout_fanouts: list[int] = field(default_factory=lambda: [1, 4])
    fanout_connections: list[int] = field(default_factory=lambda: [8, 64, 256, 1024])
    fanout_rounds: int = 2
    fanout_duration_s: int = 2
    target_url: str | None = None
    # Where the run's files (profiles) go, beside results.json; set by the command.
    out_dir: Path | None = None

    @classmethod
    def quick_run(cls) -> BenchConfig:
        return cls(
            quick=True,
            rounds=1,
            duration_s=2,
            warmup_s=1,
            connections=[16],
            all_scenarios_at=None,
            coldstart_repeats=2,
            import_repeats=2,
            all_servers=False,
            query_requests=30,
            pgbench_duration_s=2,
            footgun_duration_s=3,
            warmup_every_scenario=False,
            open_loop_rounds=1,
            # Short: quick stays under three minutes with the ladder and the open loop.
            open_loop_duration_s=1,
            profile_duration_s=3,
            fanout_latencies_ms=[10, 200],
            fanout_fanouts=[1],
            fanout_connections=[64, 256],
            fanout_rounds=1,
            fanout_duration_s=3,
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
            all_scenarios_at=None,
            coldstart_repeats=1,
            import_repeats=1,
            all_servers=False,
            seed_items=1_000,
            query_requests=5,
            pgbench_duration_s=1,
            footgun_duration_s=1,
            warmup_every_scenario=False,
            discard_first=False,
            open_loop_fractions=[0.5],
            open_loop_rounds=1,
            open_loop_duration_s=1,
            profile_duration_s=1,
            fanout_latencies_ms=[10],
            fanout_fanouts=[2],
            fanout_connections=[8],
            fanout_rounds=1,
            fanout_duration_s=1,
        )

    def describe(self) -> dict[str, Any]:
        return {
            "rounds": self.rounds,
            "duration_s": self.duration_s,
            "warmup_s": self.warmup_s,
            "connections": self.connections,
            "all_scenarios_at": self.all_scenarios_at,
            "ladder_all_servers": self.ladder_all_servers,
            "ladder_rungs": self.ladder_rungs,
            "revisions": self.revisions,
            "workloads": self.workloads,
            "fanout": {
                "latencies_ms": self.fanout_latencies_ms,
                "fanouts": self.fanout_fanouts,
                "connections": self.fanout_connections,
                "rounds": self.fanout_rounds,
                "duration_s": self.fanout_duration_s,
            },
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
            "open_loop": {
                "enabled": self.open_loop,
                "fractions": self.open_loop_fractions,
                "rounds": self.open_loop_rounds,
                "duration_s": self.open_loop_duration_s,
            },
            "usage_sample_s": self.usage_sample_s,
            "profile": {
                "enabled": self.profile,
                "connections": self.profile_connections,
                "duration_s": self.profile_duration_s,
            },
        }
