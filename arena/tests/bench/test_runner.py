from rich.console import Console

from arena.bench import config, scenarios
from arena.bench.environment import Pinning
from arena.bench.targets import Target
from arena.bench.workloads import Context, crud


def _context(chosen: config.BenchConfig) -> Context:
    # Only the scheduling is under test: no wrk, no servers, no database.
    return Context(
        config=chosen,
        console=Console(quiet=True),
        wrk="wrk",
        fixtures=scenarios.Fixtures(token="t", item_ids=[1]),
        ids_file=None,  # type: ignore[arg-type]
        targets=[],
        baselines=[],
        database_url=None,
        pinning=Pinning((), (0, 1), "not pinned (2 cores)"),
    )


def _targets() -> list[Target]:
    impls = [
        Target(id=f"{name}/s", impl=name, server="s", kind="implementation")
        for name in ("fastapi", "flask", "drf")
    ]
    baselines = [
        Target(id=f"baseline-{t.impl}/s", impl=t.impl, server="s", kind="baseline") for t in impls
    ]
    return impls + baselines


def test_a_smoke_run_times_every_scenario_and_every_server_once():
    ctx = _context(config.BenchConfig.smoke_run())
    targets = _targets()
    timed = {s.name: crud.WORKLOAD.timed(ctx, s, targets) for s in scenarios.SCENARIOS}
    assert {t.id for t in timed["items_get"]} == {t.id for t in targets}
    others = [found for name, found in timed.items() if name != "items_get"]
    # GET /me runs on one target too: an implementation or a baseline, both serve it.
    assert all(len(found) == 1 for found in others)
    implementations = {t.id for t in targets if t.kind == "implementation"}
    assert implementations <= {t.id for found in others for t in found}


def test_a_full_run_times_every_scenario_on_every_implementation():
    ctx = _context(config.BenchConfig())
    targets = _targets()
    for scenario in scenarios.SCENARIOS:
        expected = [
            t for t in targets if t.kind == "implementation" or scenario.name in {"items_get", "me"}
        ]
        assert crud.WORKLOAD.timed(ctx, scenario, targets) == expected


def test_the_full_run_has_the_rigor_the_published_figures_need():
    full = config.BenchConfig()
    assert full.rounds >= 5
    assert full.duration_s >= 5
    assert full.open_loop_fractions == [0.5, 0.8]
    for short in (config.BenchConfig.quick_run(), config.BenchConfig.smoke_run()):
        assert short.quick
        assert short.rounds * short.duration_s <= 2


def test_the_fanout_sweep_is_not_in_a_run_that_does_not_name_it():
    from rich.console import Console

    from arena.bench.config import BenchConfig
    from arena.bench.runner import Bench

    default = Bench(BenchConfig.smoke_run(), Console(quiet=True))
    assert "fanout" not in {w.name for w in default.workloads}
    assert {"crud", "ladder"} <= {w.name for w in default.workloads}
    named = BenchConfig.smoke_run()
    named.workloads = ["fanout"]
    assert [w.name for w in Bench(named, Console(quiet=True)).workloads] == ["fanout"]


def test_the_crud_benchmark_measures_the_declared_crud_servers():
    from arena.project import select

    for impl in select(None):
        assert impl.default_server in impl.benchmarked_servers
        assert set(impl.benchmarked_servers) <= set(impl.servers)
        if impl.crud_servers:
            assert set(impl.crud_servers) <= set(impl.servers), impl.name
