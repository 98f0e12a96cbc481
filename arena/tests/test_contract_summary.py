import json

from arena import contract

SUMMARY = {
    "fastapi": {
        "items.create.created": {"passed": 2, "failed": 0, "skipped": 0},
        "items.list.ok": {"passed": 1, "failed": 0, "skipped": 0},
        "health.database-down": {"passed": 0, "failed": 0, "skipped": 1},
    },
    "flask": {
        "items.create.created": {"passed": 1, "failed": 1, "skipped": 0},
        "items.list.ok": {"passed": 1, "failed": 0, "skipped": 0},
        "health.database-down": {"passed": 1, "failed": 0, "skipped": 0},
    },
}


def test_rules_group_into_sections_per_implementation():
    sections, cells = contract.grid(SUMMARY)
    assert sections == ["health", "items"]
    assert cells["fastapi"]["items"] == contract.Cell(passed=3, failed=0, skipped=0)
    assert cells["flask"]["items"].verdict == "fail"
    assert cells["fastapi"]["health"].verdict == "untested"


def test_markdown_grid_names_failing_rules():
    text = contract.markdown(SUMMARY)
    assert "| section | fastapi | flask |" in text
    assert "| health | ⚪ 0/0 (1 skipped) | ✅ 1/1 |" in text
    assert "| items | ✅ 3/3 | ❌ 2/3 |" in text
    assert "- **flask**: items.create.created" in text


def test_markdown_grid_has_a_column_per_implementation_and_server():
    summary = {
        "cross-implementation": SUMMARY["fastapi"],
        "flask@granian": SUMMARY["flask"],
        "flask": SUMMARY["fastapi"],
        "fastapi": SUMMARY["fastapi"],
    }
    servers = {"fastapi": "uvicorn", "flask": "gunicorn", "flask@granian": "granian"}
    header = contract.markdown(summary, servers).splitlines()[0]
    assert header == (
        "| section | fastapi/uvicorn | flask/gunicorn | flask/granian | cross-implementation |"
    )
    assert "- **flask/granian**: items.create.created" in contract.markdown(summary, servers)


def test_summaries_of_both_runs_merge_with_their_servers(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps({"implementations": {"flask": SUMMARY["flask"]}}))
    second.write_text(json.dumps({"implementations": {"flask@granian": SUMMARY["fastapi"]}}))
    merged = tmp_path / "merged.json"
    servers = {"flask": "gunicorn", "flask@granian": "granian"}
    contract.merge_summaries([first, second, tmp_path / "missing.json"], servers, merged)
    assert set(contract.load_summary(merged)) == {"flask", "flask@granian"}
    assert contract.load_servers(merged) == servers


def test_the_cross_implementation_rows_of_both_runs_add_up(tmp_path):
    rule = {"passed": 2, "failed": 1, "skipped": 0}
    runs = [tmp_path / "a.json", tmp_path / "b.json"]
    for path in runs:
        path.write_text(json.dumps({"implementations": {"cross-implementation": {"x.y": rule}}}))
    merged = tmp_path / "merged.json"
    contract.merge_summaries(runs, {}, merged)
    cross = contract.load_summary(merged)["cross-implementation"]["x.y"]
    assert cross == {"passed": 4, "failed": 2, "skipped": 0}


def test_other_servers_are_named_after_implementation_and_server():
    assert contract.target_name("drf", "gunicorn", "gunicorn") == "drf"
    assert contract.target_name("drf", "granian", "gunicorn") == "drf@granian"


def test_summary_file_round_trip(tmp_path):
    path = tmp_path / "summary.json"
    path.write_text(json.dumps({"implementations": SUMMARY}))
    assert contract.load_summary(path) == SUMMARY


def test_pytest_command_passes_every_target(tmp_path):
    command = contract.pytest_command(
        {"fastapi": "http://a", "flask": "http://b"},
        {"fastapi": "http://c"},
        tmp_path,
        workers=4,
        extra=["-k", "items"],
    )
    assert command[-2:] == ["-k", "items"]
    assert command.count("--base-url") == 2
    assert "fastapi=http://c" in command
    assert f"--contract-summary={tmp_path / 'contract-summary.json'}" in command
    assert command[command.index("-n") + 1] == "4"
