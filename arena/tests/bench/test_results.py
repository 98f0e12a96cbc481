import json
from pathlib import Path

import pytest

from arena.bench import results as res

FIXTURE = Path(__file__).parent / "fixtures" / "results.json"


def _run(target, connections, rps, p99, errors=0, rnd=0, usage=None):
    run = {
        "target": target,
        "scenario": "items_get",
        "connections": connections,
        "round": rnd,
        "result": {
            "rps": rps,
            "requests": int(rps),
            "error_count": errors,
            "latency_ms": {"p50": p99 / 2, "p99": p99, "max": p99 * 2},
        },
    }
    if usage:
        run["usage"] = usage
    return run


def test_objective_picks_the_highest_load_under_the_p99_threshold():
    runs = [
        _run("a", 1, 500, 2.0),
        _run("a", 8, 1500, 8.0),
        _run("a", 8, 1400, 9.5, rnd=1),
        _run("a", 64, 1600, 80.0),
    ]
    best = res.throughput_at_objective(res.http_cells(runs), "a", "items_get", 10.0)
    assert best is not None
    assert best.connections == 8
    assert best.rps.median == 1450


def test_a_level_with_errors_never_meets_the_objective():
    cells = res.http_cells([_run("a", 1, 500, 2.0), _run("a", 8, 1500, 5.0, errors=3)])
    assert res.throughput_at_objective(cells, "a", "items_get", 10.0).connections == 1
    errored = res.cell(cells, "a", "items_get", 8)
    assert not errored.clean
    assert errored.runs_with_errors == 1


def test_no_level_meets_the_objective():
    assert (
        res.throughput_at_objective(
            res.http_cells([_run("a", 1, 500, 20.0)]), "a", "items_get", 10.0
        )
        is None
    )


def test_noise_is_the_max_over_min_of_repeats():
    cells = res.http_cells([_run("a", 1, 100, 1.0), _run("a", 1, 120, 1.0, rnd=1)])
    assert res.noise(cells) == {"median": 1.2, "worst": 1.2, "cells": 1}


def _usage(server, postgres, workers):
    return {
        "wall_s": 1.0,
        "server_cpu_s": server,
        "postgres_cpu_s": postgres,
        "samples": 4,
        "workers": workers,
    }


def test_cpu_per_request_and_the_split_over_workers_come_from_the_usage():
    workers = [
        {"pid": 1, "root": True, "cpu_s": 0.01, "connections": 0},
        {"pid": 2, "root": False, "cpu_s": 0.3, "connections": 6},
        {"pid": 3, "root": False, "cpu_s": 0.1, "connections": 2},
    ]
    cells = res.http_cells([_run("a", 8, 1000, 5.0, usage=_usage(0.41, 0.2, workers))])
    (cell,) = cells
    assert cell.server_cpu_us.median == pytest.approx(410)
    assert cell.postgres_cpu_us.median == pytest.approx(200)
    # The parent's 2 % of the CPU and no connection: not a worker.
    assert cell.splits == ((6.0, 2.0),)
    assert cell.cpu_shares == (pytest.approx((0.75, 0.25)),)


def test_runs_without_usage_have_no_cpu_figures():
    (cell,) = res.http_cells([_run("a", 8, 1000, 5.0)])
    assert cell.server_cpu_us is None
    assert cell.splits == ()


def test_a_v1_document_is_migrated_on_load():
    raw = json.loads(FIXTURE.read_text())
    assert raw["schema"] == "arena-bench/1"
    data = res.load(FIXTURE)
    assert data["schema"] == res.SCHEMA
    crud = res.workload(data, "crud")
    assert crud["http"] == raw["http"]
    assert crud["memory"] == raw["memory"]
    assert not {"http", "queries", "memory"} & set(data)
    count = crud["queries"]["targets"]["fastapi/uvicorn"]["items_get"]
    assert count["round_trips"] == count["queries"] + count["transaction_control"]
    assert crud["queries"]["track_utility"] is True
    # The input is not modified.
    assert "http" in raw


def test_a_current_document_round_trips(tmp_path):
    data = res.load(FIXTURE)
    res.save(data, tmp_path / "r.json")
    assert res.load(tmp_path / "r.json") == data


def test_other_json_is_refused(tmp_path):
    (tmp_path / "x.json").write_text('{"schema": "something-else"}')
    with pytest.raises(ValueError, match="not an arena-bench"):
        res.load(tmp_path / "x.json")
