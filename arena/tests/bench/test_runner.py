from rich.console import Console

from arena.bench import runner, scenarios


def _bench(config: runner.BenchConfig) -> runner.Bench:
    # Only the scheduling is under test: no wrk, no servers, no database.
    bench = runner.Bench.__new__(runner.Bench)
    bench.config, bench.console = config, Console(quiet=True)
    return bench


def _targets() -> tuple[list[runner.Target], list[runner.Target]]:
    impls = [
        runner.Target(id=f"{name}/s", impl=name, server="s", kind="implementation")
        for name in ("fastapi", "flask", "drf")
    ]
    baselines = [
        runner.Target(id=f"baseline-{t.impl}/s", impl=t.impl, server="s", kind="baseline")
        for t in impls
    ]
    return impls, baselines


def test_a_smoke_run_times_every_scenario_and_every_server_once():
    bench = _bench(runner.BenchConfig.smoke_run())
    impls, baselines = _targets()
    timed = {s.name: bench._timed(s, impls, baselines) for s in scenarios.SCENARIOS}
    assert {t.id for t in timed["items_get"]} == {t.id for t in impls + baselines}
    others = [targets for name, targets in timed.items() if name != "items_get"]
    assert all(len(targets) == 1 and targets[0].kind == "implementation" for targets in others)
    assert {t.id for targets in others for t in targets} == {t.id for t in impls}


def test_a_full_run_times_every_scenario_on_every_implementation():
    bench = _bench(runner.BenchConfig())
    impls, baselines = _targets()
    for scenario in scenarios.SCENARIOS:
        expected = impls + (baselines if scenario.name == "items_get" else [])
        assert bench._timed(scenario, impls, baselines) == expected
