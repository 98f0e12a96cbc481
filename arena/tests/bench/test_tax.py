from arena.bench import results as res
from arena.bench.workloads import crud


def _run(target, scenario, rps, p99, connections=8):
    return {
        "target": target,
        "scenario": scenario,
        "connections": connections,
        "round": 0,
        "result": {
            "rps": rps,
            "requests": int(rps * 5),
            "error_count": 0,
            "latency_ms": {"p50": 1.0, "p99": p99, "max": p99},
        },
    }


def test_each_objective_is_a_ratio_to_the_baseline_on_the_same_server():
    cells = res.http_cells(
        [
            _run("baseline-flask/gunicorn", "items_get", 1000, 10.0),
            _run("baseline-flask/gunicorn", "me", 800, 10.0),
            _run("flask/gunicorn", "items_get", 850, 25.0),  # fast enough, tail too long
            _run("flask/gunicorn", "me", 600, 12.0),  # too slow, tail fine
            _run("flask/gunicorn", "health", 1100, 5.0),  # beats the baseline's item query
            _run("flask/gunicorn", "items_get", 100, 1.0, connections=64),  # other count
        ]
    )
    data = {
        "targets": [
            {"id": "flask/gunicorn", "impl": "flask", "server": "gunicorn"},
            {"id": "baseline-flask/gunicorn", "impl": "flask", "server": "gunicorn"},
        ]
    }
    ((target, base, *ratios, verdict),) = crud.tax_targets(
        data, cells, ["flask/gunicorn"], ["baseline-flask/gunicorn"]
    )
    assert (target, base) == ("flask/gunicorn", "baseline-flask/gunicorn")
    assert ratios == ["0.85", "2.50", "0.75", "1.20", "1.10"]
    assert verdict == "3 of 5"


def test_without_a_baseline_nothing_is_judged():
    cells = res.http_cells([_run("drf/granian", "items_get", 500, 9.0)])
    ((_, base, *ratios, verdict),) = crud.tax_targets({"targets": []}, cells, ["drf/granian"], [])
    assert base == "—"
    assert set(ratios) == {"—"}
    assert verdict == "not measured"
