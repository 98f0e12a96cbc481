import pytest

from arena.bench import charts
from arena.bench.config import BenchConfig
from arena.bench.workloads import fanout, registered


def _run(target, latency, fan, connections, rps, statuses=None, rss=None, rnd=0):
    return {
        "target": target,
        "latency_ms": latency,
        "fanout": fan,
        "connections": connections,
        "round": rnd,
        "result": {
            "rps": rps,
            "requests": int(rps * 5),
            "errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0},
            "statuses": statuses or {"200": int(rps * 5)},
            "latency_ms": {"p50": latency + 1, "p99": latency * 2, "max": latency * 3},
        },
        "usage": {"server_cpu_s": rps * 5 * 0.001},
        "rss_mb": rss,
    }


def _section():
    return {
        "latencies_ms": [50],
        "fanouts": [1, 4],
        "connections": [8, 1024],
        "contestants": [
            {"id": "fastapi/uvicorn", "kind": "variant"},
            {"id": "sleep-asgi/uvicorn", "kind": "calibration"},
            {"id": "downstream", "kind": "simulator"},
        ],
        "runs": [
            _run("fastapi/uvicorn", 50, 1, 8, 150, rss=200),
            _run("fastapi/uvicorn", 50, 1, 8, 160, rss=201, rnd=1),
            _run("fastapi/uvicorn", 50, 1, 1024, 2000, {"200": 9000, "504": 800, "500": 200}, 300),
            _run("fastapi/uvicorn", 50, 4, 8, 140),
            _run("sleep-asgi/uvicorn", 50, 1, 1024, 19000),
            _run("downstream", 50, 1, 1024, 19500),
        ],
    }


def test_the_ceiling_is_connections_over_latency():
    assert fanout.ceiling(256, 200) == pytest.approx(1280)
    assert fanout.ceiling(8, 0) == float("inf")


def test_cells_take_medians_over_rounds_and_split_gateway_errors():
    found = {(c.target, c.fanout, c.connections): c for c in fanout.cells(_section())}
    assert found[("fastapi/uvicorn", 1, 8)].rps.median == pytest.approx(155)
    assert found[("fastapi/uvicorn", 1, 8)].rps.n == 2
    busy = found[("fastapi/uvicorn", 1, 1024)]
    assert (busy.gateway_errors, busy.other_errors) == (800, 200)
    assert busy.server_cpu_us is not None
    assert busy.server_cpu_us.median == pytest.approx(1000)


def test_rows_show_the_ceiling_ratio_and_no_fanout_for_bare_waits():
    rows = {(r[0], r[2], r[3]): r for r in fanout.table_rows(_section())}
    assert rows[("fastapi/uvicorn", "1", "1024")][5:7] == ["20,480", "0.10"]
    assert ("sleep-asgi/uvicorn", "—", "1024") in rows


def test_memory_per_thousand_in_flight_is_the_growth_from_fewest_to_most():
    ((target, latency, span, low, high, per_thousand),) = fanout.memory_rows(_section())
    assert (target, latency, span, low, high) == ("fastapi/uvicorn", "50", "8→1024", "201", "300")
    assert per_thousand == f"{(300 - 201) / 1016 * 1000:,.0f}"


def test_the_simulator_has_headroom_over_every_variants_calls():
    ((latency, own, through, headroom),) = fanout.simulator_rows(_section())
    # fastapi at fan-out 4 made 140 x 4 = 560 calls/s; at fan-out 1, 2,000.
    assert (latency, own, through, headroom) == ("50", "19,500", "2,000", "9.8")


def test_the_chart_draws(tmp_path):
    data = {"environment": {"cpu_count": 2}}
    assert charts.fanout(data, _section(), tmp_path)
    assert (tmp_path / "fanout.png").stat().st_size > 1000


def test_the_sweep_runs_only_when_asked_for():
    assert not fanout.WORKLOAD.in_full_run
    assert "fanout" in {w.name for w in registered()}
    smoke = BenchConfig.smoke_run()
    assert len(smoke.fanout_latencies_ms) * len(smoke.fanout_connections) == 1


def test_every_calibration_names_a_module_of_its_folder():
    for contestant in fanout._calibrations():
        module = contestant.served.app_module
        assert (fanout.calibration_dir() / f"{module}.py").is_file()
        assert module in contestant.served.servers[contestant.server]


def test_a_claim_reads_one_cell_of_the_sweep_as_rps_or_share_of_the_ceiling():
    from arena.claims import measures

    results = {"workloads": {"fanout": _section()}}
    spec = {
        "kind": "fanout",
        "latency_ms": 50,
        "fanout": 1,
        "connections": 8,
        "subjects": ["fastapi/uvicorn", "flask/gunicorn-gthread"],
    }
    measured = measures.fanout(results, spec)
    assert measured is not None
    assert set(measured) == {"fastapi/uvicorn"}  # no runs of the other: left out
    assert measured["fastapi/uvicorn"].median == pytest.approx(155)
    assert measured["fastapi/uvicorn"].n == 2
    share = measures.fanout(results, {**spec, "metric": "ceiling_share"})
    assert share is not None
    assert share["fastapi/uvicorn"].median == pytest.approx(155 / fanout.ceiling(8, 50))
    assert measures.fanout({}, spec) is None


def test_the_claims_command_joins_the_sweeps_own_results_file(tmp_path):
    import json

    from arena.bench.results import SCHEMA
    from arena.claims.cli import _with_fanout

    sweep = tmp_path / "fanout.json"
    document = {"schema": SCHEMA, "workloads": {"fanout": _section()}}
    sweep.write_text(json.dumps(document), encoding="utf-8")
    merged = _with_fanout({"workloads": {"crud": {"runs": []}}}, sweep)
    assert merged is not None
    assert set(merged["workloads"]) == {"crud", "fanout"}
    assert _with_fanout(None, tmp_path / "absent.json") is None
    sweep.write_text("{}", encoding="utf-8")  # not a results file: a warning, results kept
    assert _with_fanout(None, sweep) is None
