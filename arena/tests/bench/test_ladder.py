from pathlib import Path

import pytest

from arena.bench import charts, report
from arena.bench import results as res
from arena.bench.workloads import ladder
from arena.project import ProjectError, implementation

FIXTURE = Path(__file__).parent / "fixtures" / "results_v2.json"


def test_every_declared_rung_has_its_module_and_a_server_of_its_implementation():
    rungs = ladder.load_rungs()
    assert {r.impl for r in rungs} == {"fastapi", "flask", "drf"}
    for rung in rungs:
        assert (rung.directory / f"{rung.module}.py").is_file(), rung
        assert set(rung.servers) <= set(implementation(rung.impl).servers), rung
        for command in rung.servers.values():
            assert "{port}" in command
            assert rung.module in command


def test_a_rung_without_its_keys_is_refused(tmp_path):
    (tmp_path / "fastapi").mkdir()
    (tmp_path / "fastapi" / "rungs.toml").write_text('[[rung]]\nname = "x"\n')
    with pytest.raises(ProjectError, match="lacks label, module, servers"):
        ladder.load_rungs(tmp_path)


def _run(target, scenario, rps, cpu_s, rnd=0):
    return {
        "group": "fastapi/uvicorn",
        "target": target,
        "scenario": scenario,
        "connections": 8,
        "round": rnd,
        "result": {
            "rps": rps,
            "requests": 1000,
            "error_count": 0,
            "latency_ms": {"p50": 2.0, "p99": 9.0, "max": 12.0},
        },
        "usage": {"server_cpu_s": cpu_s, "postgres_cpu_s": 0.1, "samples": 4, "workers": []},
    }


def _section():
    step = {"group": "fastapi/uvicorn", "failures": []}
    return {
        "connections": 8,
        "steps": [
            {**step, "step": 0, "name": "baseline", "label": "minimal", "kind": "baseline",
             "target": "baseline-fastapi/uvicorn"},
            {**step, "step": 1, "name": "r", "label": "+ response", "kind": "rung",
             "target": "ladder-fastapi-r/uvicorn"},
            {**step, "step": 99, "name": "implementation", "label": "impl_fastapi",
             "kind": "implementation", "target": "fastapi/uvicorn"},
            {**step, "step": 2, "name": "broken", "label": "+ broken", "kind": "rung",
             "target": "ladder-fastapi-broken/uvicorn", "failures": ["GET /me: status 500"]},
        ],
        "http": [
            _run("baseline-fastapi/uvicorn", "items_get", 3000, 0.3),
            _run("ladder-fastapi-r/uvicorn", "items_get", 2800, 0.35),
            _run("fastapi/uvicorn", "items_get", 1200, 1.2),
        ],
    }  # fmt: skip


def test_each_step_shows_what_it_added_to_the_one_below():
    ((group, rows),) = ladder.table_rows(_section())
    assert group == "fastapi/uvicorn"
    items = [row for row in rows if row[0] == "GET /items/{id}"]
    assert [row[1] for row in items] == ["minimal", "+ response", "+ broken", "impl_fastapi"]
    assert items[0][3] == "1.00"
    assert items[0][5:7] == ["300", "—"]
    assert items[1][3] == "0.93"
    assert items[1][5:7] == ["350", "+50"]
    assert items[2][2] == "GET /me: status 500"
    # The failed step is skipped: the implementation adds to the last measured rung.
    assert items[3][3] == "0.40"
    assert items[3][5:7] == ["1,200", "+850"]
    assert all(
        row[2] == "not measured" for row in rows if row[0] == "GET /me" and row[1] != "+ broken"
    )


def test_the_chart_and_the_section_render(tmp_path):
    data = res.load(FIXTURE)
    data["workloads"]["ladder"] = _section()
    assert charts.ladder(data, _section(), tmp_path)
    assert (tmp_path / "ladder.png").stat().st_size > 1000
    md = report.markdown(data)
    section = md.split("## Where the time goes")[1].split("\n## ")[0]
    assert "### fastapi/uvicorn" in section
    assert "| GET /items/{id} | + response | 2,800 | 0.93 | 9.00 | 350 | +50 | — |  |" in section


def test_a_run_without_a_ladder_has_no_section():
    assert "## Where the time goes" not in report.markdown(res.load(FIXTURE))


def _with_revisions():
    section = _section()
    step = {"group": "fastapi/uvicorn", "failures": []}
    section["steps"].append(
        {**step, "step": 50, "name": "at-abc1234", "label": "impl_fastapi at abc1234",
         "kind": "revision", "target": "ladder-fastapi-at-abc1234/uvicorn"}
    )  # fmt: skip
    section["http"].append(_run("ladder-fastapi-at-abc1234/uvicorn", "items_get", 800, 1.6))
    section["revisions"] = [{"requested": "HEAD~1", "sha": "abc1234" * 5, "subject": "before"}]
    section["queries"] = {
        "ladder-fastapi-at-abc1234/uvicorn": {"items_get": {"round_trips_per_request": 3.0}},
        "fastapi/uvicorn": {"items_get": {"round_trips_per_request": 1.0}},
    }
    return section


def test_a_revision_is_before_and_after_not_a_layer():
    section = _with_revisions()
    ((_, layers),) = ladder.table_rows(section)
    assert "impl_fastapi at abc1234" not in [row[1] for row in layers]
    ((_, rows),) = ladder.revision_rows(section)
    items = [row for row in rows if row[0] == "GET /items/{id}"]
    assert [row[1] for row in items] == ["impl_fastapi at abc1234", "this checkout"]
    assert [row[2] for row in items] == ["800", "1,200"]
    assert items[1][3] == "+50%"
    assert [row[7] for row in items] == ["3.00", "1.00"]


def test_a_run_without_revisions_has_no_before_and_after():
    assert ladder.revision_rows(_section()) == []
