"""The WSGI module: what each worker does once, before its first request."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import gc, json, sys
import impl_drf.wsgi
print(json.dumps({"frozen": gc.get_freeze_count(), "urls": "impl_drf.urls" in sys.modules}))
"""


def test_a_worker_freezes_its_start_up_heap_with_the_urlconf_in_it() -> None:
    env = {
        **os.environ,
        # Nothing connects at start-up: a database that refuses connections will do.
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none",
        "JWT_SECRET": "test-secret-for-impl-drf-0123456789abcdef",
        "DJANGO_SETTINGS_MODULE": "impl_drf.settings",
    }
    # A fresh interpreter: this one has run django.setup() already and frozen nothing.
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    found = json.loads(result.stdout)
    # The views and serializers are loaded before the freeze, not by the first request.
    assert found["urls"] is True
    assert found["frozen"] > 10_000
