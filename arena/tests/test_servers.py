import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from arena import servers
from arena.project import Implementation, ProjectError
from shared_db import Settings

# spawn() lets go of each server's Popen handle on purpose: stop() ends the whole group.
pytestmark = pytest.mark.filterwarnings(r"ignore:subprocess \d+ is still running:ResourceWarning")


def test_programs_resolve_inside_this_virtualenv():
    assert servers.argv("python -m x")[0] == sys.executable
    resolved = servers.argv("pytest --version")[0]
    assert Path(resolved).parent == Path(sys.executable).parent


def test_servers_receive_exactly_the_shared_settings():
    settings = Settings(database_url=None, jwt_secret="k" * 40, jwt_ttl_seconds=10, db_pool_size=3)
    env = servers.server_env(settings, "postgresql://db/app")
    assert env["DATABASE_URL"] == "postgresql://db/app"
    assert env["JWT_SECRET"] == "k" * 40
    assert (env["JWT_TTL_SECONDS"], env["DB_POOL_SIZE"]) == ("10", "3")


# The fake server's first process forks a worker into its own process group, as uvicorn and
# granian do; with "die" the first process then exits and leaves the worker serving.
FAKE_SERVER = """\
import os, sys, time
if os.fork() == 0:
    time.sleep(60)
    os._exit(0)
if sys.argv[1] == "die":
    os._exit(1)
time.sleep(60)
"""


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A server declaration whose processes sleep, with the run records under tmp_path."""
    monkeypatch.setattr(servers, "root", lambda: tmp_path)
    monkeypatch.setattr(servers, "state_dir", lambda: tmp_path)
    script = tmp_path / "fake_server.py"
    script.write_text(FAKE_SERVER)
    return Implementation(
        name="fake",
        port=18449,
        app_module="fake",
        default_server="lives",
        servers={mode: f"python {script} {mode}" for mode in ("lives", "die")},
    )


def _wait(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _members(running):
    return servers.group_members(running.pid)


def test_stop_ends_the_whole_process_group(fake):
    running = servers.spawn(fake, dict(os.environ), server="lives")
    _wait(lambda: len(_members(running)) == 2)
    assert servers.find("fake") == running
    servers.stop(running)
    assert _members(running) == []
    assert servers.find("fake") is None


def test_workers_that_outlive_their_master_are_still_listed_and_stopped(fake):
    running = servers.spawn(fake, dict(os.environ), label="fake-orphan", server="die")
    # The first process is gone (a zombie until reaped); its worker still runs.
    _wait(lambda: len(_members(running)) == 1 and running.pid not in _members(running))
    assert [found.name for found in servers.all_running()] == ["fake-orphan"]
    servers.stop(servers.all_running()[0])
    assert _members(running) == []
    assert servers.all_running() == []


def test_a_second_server_under_a_running_name_is_refused(fake):
    running = servers.spawn(fake, dict(os.environ), server="lives")
    try:
        with pytest.raises(ProjectError, match="already running"):
            servers.spawn(fake, dict(os.environ), server="lives")
    finally:
        servers.stop(running)


def test_a_record_whose_pid_now_belongs_to_another_process_is_dropped_unsignalled(fake):
    stranger = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True
    )
    try:
        _wait(lambda: servers.group_members(stranger.pid) == [stranger.pid])
        stale = servers.Running(
            name="stale",
            pid=stranger.pid,
            url="http://127.0.0.1:1",
            server="lives",
            log="stale.log",
            started_at=1.0,  # the recorded server started long before this process
        )
        (servers.state_dir() / "run").mkdir(exist_ok=True)
        (servers.state_dir() / "run" / "stale.json").write_text(json.dumps(asdict(stale)))
        assert servers.find("stale") is None
        assert not (servers.state_dir() / "run" / "stale.json").exists()
        servers.stop(stale)
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()


def test_demo_steps_return_what_they_printed():
    impl = Implementation(
        name="demo",
        port=1,
        app_module="x",
        default_server="s",
        servers={"s": "true"},
        demo_setup=["python -c \"print('created admin'); print(); print('password: x')\""],
    )
    assert servers.run_demo_setup(impl, dict(os.environ)) == ["created admin", "password: x"]


def test_a_failing_demo_step_names_itself():
    impl = Implementation(
        name="demo",
        port=1,
        app_module="x",
        default_server="s",
        servers={"s": "true"},
        demo_setup=['python -c "raise SystemExit(3)"'],
    )
    with pytest.raises(ProjectError, match=r"demo set-up step .* failed \(exit 3\)"):
        servers.run_demo_setup(impl, dict(os.environ))
