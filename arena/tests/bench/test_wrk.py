from pathlib import Path

import pytest

from arena.bench import wrk

FIXTURE = Path(__file__).parent / "fixtures" / "wrk_output.txt"


def test_parses_the_json_line_of_recorded_output():
    result = wrk.parse(FIXTURE.read_text())
    assert result.requests == 1527
    assert result.duration_s == pytest.approx(1.001017)
    assert result.rps == pytest.approx(1527 / 1.001017)
    assert result.latency_ms["p99"] == pytest.approx(9.147)
    assert result.latency_ms["max"] == pytest.approx(16.758)
    assert result.errors["status"] == 1527
    assert result.error_count == 1527


def test_the_last_marker_line_wins_and_noise_is_ignored():
    line = (
        'ARENA_WRK {"requests":%d,"duration_us":2000000,"bytes":10,'
        '"errors":{"connect":0,"read":0,"write":0,"status":0,"timeout":0},'
        '"latency_us":{"min":1,"mean":2.0,"stdev":0.5,"p50":2,"p90":3,"p99":4,"p999":5,"max":6}}'
    )
    output = "Running 2s test\n" + line % 10 + "\nsomething\n" + line % 20 + "\n"
    result = wrk.parse(output)
    assert result.requests == 20
    assert result.rps == 10
    assert result.error_count == 0


def test_output_without_a_result_line_is_an_error():
    with pytest.raises(wrk.WrkFailed):
        wrk.parse("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_missing_wrk_points_at_the_target_that_installs_it(monkeypatch):
    monkeypatch.setattr(wrk.shutil, "which", lambda _: None)
    with pytest.raises(wrk.WrkMissing, match=r"`make bench-tools` installs it"):
        wrk.find_wrk()


def test_command_passes_script_arguments_after_a_double_dash():
    argv = wrk.command(
        "wrk", "http://h:1", "me.lua", connections=8, duration_s=3, script_args=["tok", "ids"]
    )
    assert argv[:4] == ["wrk", "-t1", "-c8", "-d3s"]
    assert argv[-3:] == ["--", "tok", "ids"]
    assert wrk.command("wrk", "u", "s.lua", connections=1, duration_s=1, threads=4)[1] == "-t1"
