import socket
import subprocess
import sys
import time

import pytest

from arena.bench import usage

# A server that accepts and holds connections, and burns a little CPU meanwhile.
SERVER = """
import socket, sys, time
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(16)
print(listener.getsockname()[1], flush=True)
held = []
listener.settimeout(0.01)
deadline = time.time() + 20
while time.time() < deadline:
    try:
        held.append(listener.accept()[0])
    except TimeoutError:
        pass
    sum(i * i for i in range(20000))
"""


@pytest.fixture
def server():
    process = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    port = int(process.stdout.readline())
    yield process.pid, port
    process.kill()
    process.wait()
    process.stdout.close()


def test_the_meter_counts_cpu_and_the_connections_a_process_holds(server):
    pid, port = server
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
    try:
        time.sleep(0.2)
        with usage.Meter(pid, port, postgres_pid=None, every=0.05) as meter:
            time.sleep(0.5)
    finally:
        for client in clients:
            client.close()
    used = meter.usage
    assert used is not None
    assert used.samples >= 3
    assert used.postgres_cpu_s is None
    # It computes all the time; on a busy machine it may get little of a core.
    assert 0 < used.server_cpu_s < 2 * used.wall_s
    (worker,) = used.workers
    assert worker.pid == pid
    assert worker.connections == pytest.approx(3)
    assert used.to_json()["workers"][0]["root"] is True
    # No child of this process ran meanwhile: no load-generator CPU.
    assert used.generator_cpu_s == pytest.approx(0, abs=0.01)


def test_the_meter_counts_the_load_generators_cpu(server):
    pid, port = server
    with usage.Meter(pid, port, postgres_pid=None, every=0.05) as meter:
        subprocess.run([sys.executable, "-c", "sum(i * i for i in range(3_000_000))"], check=True)
    assert meter.usage is not None
    assert meter.usage.generator_cpu_s > 0.05


def test_serving_workers_leave_out_an_idle_parent_and_helpers():
    workers = [
        {"pid": 1, "root": True, "cpu_s": 0.05, "connections": 0},
        {"pid": 2, "root": False, "cpu_s": 1.0, "connections": 4},
        {"pid": 3, "root": False, "cpu_s": 0.9, "connections": 4},
        {"pid": 4, "root": False, "cpu_s": 0.001, "connections": 0},
    ]
    assert [w["pid"] for w in usage.serving(workers)] == [2, 3]
    # A worker that got no connection but took CPU (gunicorn: one at a time) still counts.
    workers[2]["connections"] = 0
    assert [w["pid"] for w in usage.serving(workers)] == [2, 3]
    # A single-process server serves from its root.
    assert usage.serving([workers[0]]) == [workers[0]]


def test_a_backend_pid_that_is_no_postgres_has_no_postmaster():
    assert usage.postmaster_pid(1 << 22) is None
