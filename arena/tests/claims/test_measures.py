"""Measurements and whole verdicts from a small recorded results JSON (no servers)."""

import json
from pathlib import Path

import pytest

from arena.bench import results as bench_results
from arena.claims import data, measures
from arena.claims.cli import evaluate
from arena.claims.render import Provenance, markdown
from arena.claims.verdicts import HOLDS, NOT_MEASURED, PARTLY
from arena.project import root

FIXTURE = Path(__file__).parent / "fixtures" / "results.json"
SERVERS = ["fastapi/uvicorn", "flask/gunicorn", "drf/gunicorn"]


@pytest.fixture
def results():
    return bench_results.load(FIXTURE)


def test_cold_start_summarises_the_samples(results):
    measured = measures.measure({"kind": "cold_start", "subjects": SERVERS}, results, None, root())
    assert measured is not None
    assert measured["fastapi/uvicorn"].n == 10
    assert 0.7 < measured["fastapi/uvicorn"].median < 0.8


def test_http_peak_uses_the_best_connection_count(results):
    spec = {"kind": "http", "scenario": "health", "connections": "peak", "subjects": SERVERS}
    measured = measures.measure(spec, results, None, root())
    assert measured is not None
    for subject in SERVERS:
        cells = bench_results.http_cells(bench_results.crud_runs(results))
        cell = bench_results.peak(cells, subject, "health")
        assert cell is not None
        assert measured[subject].median == pytest.approx(cell.rps.median)


def test_overhead_subtracts_pgbench_latency_per_round(results):
    spec = {"kind": "overhead", "scenario": "items_get", "subjects": ["drf/gunicorn"]}
    measured = measures.measure(spec, results, None, root())
    assert measured is not None
    means = [
        r["result"]["latency_ms"]["mean"]
        for r in bench_results.crud_runs(results)
        if r["target"] == "drf/gunicorn" and r["scenario"] == "items_get" and r["connections"] == 1
    ]
    assert measured["drf/gunicorn"].median == pytest.approx(sum(means) / 2 - 0.095)
    share = measures.measure({**spec, "share": True}, results, None, root())
    assert share is not None
    assert 0 < share["drf/gunicorn"].median < 1


def test_footgun_reads_the_fast_endpoint(results):
    measured = measures.measure({"kind": "footgun"}, results, None, root())
    assert measured is not None
    assert measured["blocking"].median > 100 * measured["async"].median


def test_a_fast_endpoint_that_never_answered_waited_at_least_the_whole_run(results):
    silent = {"requests": 0, "duration_s": 5.0, "rps": 0, "latency_ms": {"p99": 0.0}}
    results = {**results, "footgun": {**results["footgun"], "blocking": {"fast": silent}}}
    measured = measures.measure({"kind": "footgun"}, results, None, root())
    assert measured is not None
    assert measured["blocking"].median == pytest.approx(5000.0)


def test_cpu_per_request_is_a_metric_of_runs_that_measured_it(results):
    run = bench_results.crud_runs(results)[0]
    run["usage"] = {"server_cpu_s": 0.5, "postgres_cpu_s": 0.1}
    run["result"]["requests"] = 1000
    spec = {
        "kind": "http",
        "scenario": run["scenario"],
        "connections": run["connections"],
        "metric": "server_cpu_us",
        "subjects": [run["target"]],
    }
    measured = measures.measure(spec, results, None, root())
    assert measured is not None
    assert measured[run["target"]].n == 1
    expected = 0.5 / run["result"]["requests"] * 1e6
    assert measured[run["target"]].median == pytest.approx(expected)


def test_absent_sections_are_none():
    empty = {"schema": bench_results.SCHEMA}
    for spec in (
        {"kind": "cold_start", "subjects": SERVERS},
        {"kind": "http", "scenario": "health", "subjects": SERVERS},
        {"kind": "overhead", "scenario": "items_get", "subjects": SERVERS},
        {"kind": "cpu_share", "scenario": "items_get", "subjects": SERVERS},
        {"kind": "footgun"},
        {"kind": "micro", "benchmark": "codecs", "n": 20},
        {
            "kind": "micro_share",
            "benchmark": "serializers",
            "n": 20,
            "variant": "x",
            "target": "drf/gunicorn",
            "scenario": "items_list",
        },
    ):
        assert measures.measure(spec, empty, None, root()) is None, spec


MICRO = {
    "python": "3.11",
    "packages": {},
    "repeats": 3,
    "benchmarks": {
        "serializers": {
            "n": {"20": {"ModelSerializer": {"samples_s": [2e-4, 3e-4, 4e-4], "number": 10}}}
        }
    },
}


def _cpu_run(target, scenario, requests, server_cpu_s, postgres_cpu_s, connections=8):
    return {
        "target": target,
        "scenario": scenario,
        "connections": connections,
        "round": 0,
        "result": {"rps": 1, "requests": requests, "error_count": 0, "latency_ms": {"mean": 9}},
        "usage": {"server_cpu_s": server_cpu_s, "postgres_cpu_s": postgres_cpu_s},
    }


def test_micro_share_divides_by_the_server_cpu_per_request(results):
    results = {
        **results,
        # 3 ms of server CPU per request; a run at another connection count is not used.
        "workloads": {
            "crud": {
                "http": [
                    _cpu_run("drf/gunicorn", "items_list", 1000, 3.0, 0.5),
                    _cpu_run("drf/gunicorn", "items_list", 1000, 9.0, 0.5, connections=64),
                ]
            }
        },
    }
    spec = {
        "kind": "micro_share",
        "benchmark": "serializers",
        "n": 20,
        "variant": "ModelSerializer",
        "target": "drf/gunicorn",
        "scenario": "items_list",
    }
    measured = measures.measure(spec, results, MICRO, root())
    assert measured is not None
    assert measured["ModelSerializer"].median == pytest.approx(0.3 / 3.0)


def test_cpu_share_is_the_server_side_of_server_plus_database(results):
    results = {
        **results,
        "workloads": {
            "crud": {
                "http": [
                    _cpu_run("flask/gunicorn", "items_get", 1000, 0.9, 0.1),
                    {**_cpu_run("flask/gunicorn", "items_get", 1000, 0.6, 0.4), "round": 1},
                    {**_cpu_run("flask/gunicorn", "items_get", 1000, 0.1, 0.1), "usage": {}},
                ]
            }
        },
    }
    spec = {"kind": "cpu_share", "scenario": "items_get", "subjects": ["flask/gunicorn"]}
    measured = measures.measure(spec, results, None, root())
    assert measured is not None
    # Two rounds with usage: 90 % and 60 %; the one without CPU figures is left out.
    assert measured["flask/gunicorn"].n == 2
    assert measured["flask/gunicorn"].median == pytest.approx(0.75)


COLD_START_CLAIM = (Path(__file__).parent / "fixtures" / "cold_start_claim.toml").read_text()
CLAIMS = (
    COLD_START_CLAIM
    + """

[[claim]]
id = "2"
title = "footgun"
quote = "blocking stalls"
what = "p99 of /fast"
[claim.measure]
kind = "footgun"
[claim.verdict]
kind = "ratio"
numerator = "blocking"
denominator = "async"
at_least = 10

[[claim]]
id = "3"
title = "msgspec"
quote = "faster"
what = "codecs"
[claim.measure]
kind = "micro"
benchmark = "codecs"
n = 20
[claim.verdict]
kind = "ratio"
numerator = "pydantic v2"
denominator = "msgspec"
at_least = 1.1
"""
)


def test_recorded_results_give_the_expected_verdicts(results):
    outcomes = evaluate(data.parse(CLAIMS), results, None, root())
    statuses = {o.claim.id: o.verdict.status for o in outcomes}
    # fastapi in range, flask above, drf below
    assert statuses == {"1": PARTLY, "2": HOLDS, "3": NOT_MEASURED}


def test_markdown_says_when_the_results_are_of_another_commit(results):
    outcomes = evaluate(data.parse(CLAIMS), results, None, root())
    provenance = Provenance("r.json", results, "f" * 40, False, None, "now")
    text = markdown(outcomes, provenance)
    assert "not at this commit" in text
    assert "| [3](#claim-3) |" in text
    assert "not measured" in text
    same = Provenance("r.json", results, results["environment"]["git_commit"], False, None, "x")
    assert "not at this commit" not in markdown(outcomes, same)


def test_no_results_at_all_gives_not_measured(results):
    outcomes = evaluate(data.parse(CLAIMS), None, None, root())
    assert {o.verdict.status for o in outcomes} == {NOT_MEASURED}


def test_the_project_claims_file_parses_and_uses_known_kinds():
    claims = data.load(root() / data.DEFAULT_PATH)
    assert len(claims) >= 7
    kinds = {
        "cold_start",
        "http",
        "overhead",
        "cpu_share",
        "footgun",
        "code_lines",
        "micro",
        "micro_share",
        "fanout",
    }
    for claim in claims:
        assert claim.measure["kind"] in kinds, claim.id
        assert claim.verdict["kind"] in {"range", "order", "ratio"}, claim.id
        for evidence in claim.evidence:
            assert evidence.url.startswith("https://")


def test_claims_file_errors():
    with pytest.raises(data.ClaimsFileError, match="lacks"):
        data.parse('[[claim]]\nid = "1"\n')
    twice = CLAIMS.split("[[claim]]")[1]
    with pytest.raises(data.ClaimsFileError, match="twice"):
        data.parse("[[claim]]" + twice + "[[claim]]" + twice)
    with pytest.raises(data.ClaimsFileError, match="evidence"):
        data.parse(CLAIMS + '[[claim.evidence]]\ntext = "no source"\n')


def test_fixture_is_small():
    assert FIXTURE.stat().st_size < 50_000
    # A v1 document: loading it migrates it (arena.bench.results.migrate).
    assert json.loads(FIXTURE.read_text())["schema"] == bench_results.V1
