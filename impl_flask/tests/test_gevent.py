"""Under gunicorn's gevent worker: what must cooperate with the hub, checked in a child.

The worker monkey-patches the standard library before it loads the app; a test
process cannot be patched and then unpatched, so each check runs in a fresh
interpreter that patches first, as the worker does, and reports what it saw.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

PATCHED_WORKER = textwrap.dedent(
    """
    from gevent import monkey

    monkey.patch_all()

    import json
    import threading

    import httpx
    import psycopg.waiting

    from impl_flask import security
    from impl_flask.downstream import create_downstream
    from shared_db import Settings

    os_thread = monkey.get_original("threading", "get_ident")
    hub_thread = os_thread()
    hashed_on = []

    class Spy:
        def __init__(self, hasher):
            self.hasher = hasher

        def hash(self, password):
            hashed_on.append(os_thread())
            return self.hasher.hash(password)

        def verify(self, digest, password):
            hashed_on.append(os_thread())
            return self.hasher.verify(digest, password)

    security._hasher = Spy(security._hasher)
    digest = security.hash_password("password-for-tests")

    fanout = 16
    arrived = threading.Barrier(fanout, timeout=10)
    called_on = []

    def handler(request):
        called_on.append(os_thread())
        arrived.wait()
        return httpx.Response(200, json={"part": request.url.params["part"]})

    downstream = create_downstream(Settings(), transport=httpx.MockTransport(handler))
    parts = downstream.fetch_parts(1, fanout)
    downstream.close()

    print(json.dumps({
        "psycopg_waits_cooperatively": psycopg.waiting.wait is not psycopg.waiting.wait_c,
        "hashed_off_the_hub": hashed_on != [] and hub_thread not in hashed_on,
        "right_password": security.verify_password(digest, "password-for-tests"),
        "wrong_password": security.verify_password(digest, "another-password"),
        "parts": len(parts),
        "calls_on_the_hub_thread": set(called_on) == {hub_thread},
    }))
    """
)


def _run_patched() -> tuple[dict[str, Any], str]:
    done = subprocess.run(
        [sys.executable, "-c", PATCHED_WORKER],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    seen: dict[str, Any] = json.loads(done.stdout)
    return seen, done.stderr


def test_under_gevent_nothing_blocks_the_hub() -> None:
    seen, stderr = _run_patched()
    # psycopg picks a wait that yields to the hub (it checks for patching on import).
    assert seen["psycopg_waits_cooperatively"]
    # argon2 runs in gevent's OS threads, so other greenlets go on meanwhile.
    assert seen["hashed_off_the_hub"]
    assert (seen["right_password"], seen["wrong_password"]) == (True, False)
    # A wrong password is an answer, not an error the thread pool would log.
    assert "Traceback" not in stderr
    # The executor's workers are greenlets: all 16 calls met at once, on one OS thread.
    assert seen["parts"] == 16
    assert seen["calls_on_the_hub_thread"]
