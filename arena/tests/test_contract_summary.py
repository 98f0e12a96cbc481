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
    assert "| implementation | health | items |" in text
    assert "| flask | ✅ 1/1 | ❌ 2/3 |" in text
    assert "| fastapi | ⚪ 0/0 (1 skipped) | ✅ 3/3 |" in text
    assert "- **flask**: items.create.created" in text


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
