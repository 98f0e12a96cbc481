import pytest

from arena.bench import openloop

HEADER = (
    "response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset"
)


def _csv(rows):
    return "\n".join(
        [HEADER, *(f"{rt},0,0,0,0,0,{status},{offset}" for rt, status, offset in rows)]
    )


def test_the_rate_is_spread_over_enough_slow_workers():
    chosen = openloop.plan(1600)
    assert chosen.processes == openloop.PROCESSES
    assert chosen.workers * chosen.processes * chosen.per_worker_qps == pytest.approx(1600)
    # Each worker sends every ~0.1 s, so an answer is back before its next tick.
    assert chosen.interval_s == pytest.approx(0.1)
    assert chosen.stagger_s == pytest.approx(0.1 / openloop.PROCESSES)


def test_a_low_rate_uses_fewer_processes_and_a_high_one_caps_the_workers():
    low = openloop.plan(20)
    assert low.processes == 2
    assert low.workers == 1
    assert low.per_worker_qps == pytest.approx(10)
    high = openloop.plan(100_000)
    assert high.workers * high.processes <= openloop.MAX_WORKERS
    assert high.workers * high.processes * high.per_worker_qps == pytest.approx(100_000)


def test_command_asks_hey_for_its_per_worker_rate_and_csv():
    chosen = openloop.plan(400)
    argv = openloop.command(
        "hey", "http://h/x", chosen, duration_s=5, headers={"A": "b"}, prefix=["taskset", "-c", "3"]
    )
    assert argv[:4] == ["taskset", "-c", "3", "hey"]
    assert argv[argv.index("-c", 4) + 1] == str(chosen.workers)
    assert float(argv[argv.index("-q") + 1]) == pytest.approx(chosen.per_worker_qps, rel=1e-3)
    assert argv[argv.index("-o") + 1] == "csv"
    assert argv[argv.index("-H") + 1] == "A: b"
    assert argv[-1] == "http://h/x"


def test_processes_are_combined_with_their_start_offsets():
    chosen = openloop.Plan(rate=4, processes=2, workers=1, per_worker_qps=2)
    first = _csv([(0.010, 200, 0.5), (0.020, 200, 1.0)])
    second = _csv([(0.030, 200, 0.5), (0.600, 503, 1.0)])
    result = openloop.parse([(0.0, first), (0.25, second)], chosen, duration_s=1.0)
    assert result.requests == 4
    assert result.achieved_rps == 4
    assert result.held_rate
    assert result.latency_ms["p50"] == pytest.approx(20)
    assert result.latency_ms["max"] == pytest.approx(600)
    assert result.statuses == {"200": 3, "503": 1}
    assert result.error_count == 1
    # 600 ms is longer than a worker's 500 ms interval: that worker fell behind.
    assert result.late == 1
    assert result.burst == 1


def test_a_shortfall_means_the_rate_was_not_held():
    chosen = openloop.Plan(rate=100, processes=1, workers=10, per_worker_qps=10)
    result = openloop.parse([(0.0, _csv([(0.001, 200, 0.1)] * 50))], chosen, duration_s=1.0)
    assert not result.held_rate
    assert result.burst == 50


def test_the_largest_burst_counts_starts_within_a_millisecond():
    assert openloop.largest_burst([0.0, 0.0005, 0.0009, 0.5, 0.5011]) == 3
    assert openloop.largest_burst([]) == 0


def test_output_that_is_not_hey_csv_is_refused():
    chosen = openloop.plan(10)
    with pytest.raises(openloop.HeyFailed):
        openloop.parse([(0.0, "Error: connection refused\n")], chosen, 1.0)
    with pytest.raises(openloop.HeyFailed, match="answered no request"):
        openloop.parse([(0.0, HEADER + "\n")], chosen, 1.0)


def test_the_generators_own_cpu_is_shown_per_request():
    from arena.bench.workloads.crud import _generator_us

    assert _generator_us([{"generator_cpu_s": 0.5, "requests": 1000}]) == "500"
    # Results recorded before hey's CPU was measured show no figure rather than zero.
    assert _generator_us([{"requests": 1000}]) == "—"
