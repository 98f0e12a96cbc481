from pathlib import Path

import pytest

from arena.bench import results as res

FIXTURE = Path(__file__).parent / "fixtures" / "results.json"


def _run(target, connections, rps, p99, errors=0, rnd=0):
    return {
        "target": target,
        "scenario": "items_get",
        "connections": connections,
        "round": rnd,
        "result": {
            "rps": rps,
            "error_count": errors,
            "latency_ms": {"p50": p99 / 2, "p99": p99, "max": p99 * 2},
        },
    }


def test_objective_picks_the_highest_load_under_the_p99_threshold():
    data = {
        "http": [
            _run("a", 1, 500, 2.0),
            _run("a", 8, 1500, 8.0),
            _run("a", 8, 1400, 9.5, rnd=1),
            _run("a", 64, 1600, 80.0),
        ]
    }
    best = res.throughput_at_objective(res.http_cells(data), "a", "items_get", 10.0)
    assert best is not None
    assert best.connections == 8
    assert best.rps.median == 1450


def test_a_level_with_errors_never_meets_the_objective():
    data = {"http": [_run("a", 1, 500, 2.0), _run("a", 8, 1500, 5.0, errors=3)]}
    cells = res.http_cells(data)
    assert res.throughput_at_objective(cells, "a", "items_get", 10.0).connections == 1
    errored = res.cell(cells, "a", "items_get", 8)
    assert not errored.clean
    assert errored.runs_with_errors == 1


def test_no_level_meets_the_objective():
    data = {"http": [_run("a", 1, 500, 20.0)]}
    assert res.throughput_at_objective(res.http_cells(data), "a", "items_get", 10.0) is None


def test_noise_is_the_max_over_min_of_repeats():
    data = {"http": [_run("a", 1, 100, 1.0), _run("a", 1, 120, 1.0, rnd=1)]}
    assert res.noise(res.http_cells(data)) == {"median": 1.2, "worst": 1.2, "cells": 1}


def test_recorded_fixture_loads_and_round_trips(tmp_path):
    data = res.load(FIXTURE)
    res.save(data, tmp_path / "r.json")
    assert res.load(tmp_path / "r.json") == data


def test_other_json_is_refused(tmp_path):
    (tmp_path / "x.json").write_text('{"schema": "something-else"}')
    with pytest.raises(ValueError, match="not an arena-bench"):
        res.load(tmp_path / "x.json")
