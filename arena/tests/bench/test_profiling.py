from pathlib import Path

import pytest

from arena.bench import profiling


def test_the_command_records_one_pid_as_a_flamegraph():
    argv = profiling.command(1234, Path("out.svg"), 10)
    assert argv[0].endswith("py-spy")
    assert argv[1] == "record"
    assert argv[argv.index("--pid") + 1] == "1234"
    assert argv[argv.index("--format") + 1] == "flamegraph"
    assert argv[argv.index("--duration") + 1] == "10"
    assert argv[argv.index("--output") + 1] == "out.svg"


def test_a_missing_py_spy_is_a_clear_failure(monkeypatch, tmp_path):
    monkeypatch.setattr(profiling, "py_spy", lambda: tmp_path / "py-spy")
    with pytest.raises(profiling.ProfileFailed, match="make sync"):
        profiling.record(1, tmp_path / "x.svg", 1)


def test_py_spy_failing_gives_its_own_reason(monkeypatch, tmp_path):
    fake = tmp_path / "py-spy"
    fake.write_text("#!/bin/sh\necho 'Error: Permission Denied' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(profiling, "py_spy", lambda: fake)
    with pytest.raises(profiling.ProfileFailed, match="Permission Denied"):
        profiling.record(1, tmp_path / "x.svg", 1)
