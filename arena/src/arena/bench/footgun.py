"""The async footgun exhibit (bench/exhibits/footgun.py): fast-endpoint latency under slow load.

For each variant of the slow endpoint, one wrk loads it while a second wrk sends
requests to ``/fast`` on the same single uvicorn worker; the fast endpoint's p99
shows whether the slow one stalls the event loop.
"""

from __future__ import annotations

import time

from arena import servers
from arena.bench import wrk
from arena.project import Implementation, root

VARIANTS = {
    "blocking": ("/slow/blocking", "time.sleep(0.05) inside async def"),
    "threadpool": ("/slow/threadpool", "time.sleep(0.05) inside def (thread pool)"),
    "async": ("/slow/async", "await asyncio.sleep(0.05) inside async def"),
}

EXHIBIT = Implementation(
    name="exhibit-footgun",
    port=0,
    app_module="footgun",
    default_server="uvicorn",
    servers={
        "uvicorn": "uvicorn --factory footgun:create_app --host {host} --port {port}"
        " --workers {workers} --no-access-log"
    },
)


def exhibit_env(env: dict[str, str]) -> dict[str, str]:
    path = str(root() / "bench" / "exhibits")
    existing = env.get("PYTHONPATH")
    return {**env, "PYTHONPATH": path + (f":{existing}" if existing else "")}


def measure(
    wrk_path: str, env: dict[str, str], port: int, duration_s: int, *, label: str
) -> dict[str, dict[str, object]]:
    """/fast alone, then /fast while each slow variant is under load (one worker)."""
    running = servers.spawn(EXHIBIT, exhibit_env(env), label=label, port=port, workers=1)
    results: dict[str, dict[str, object]] = {}
    try:
        servers.wait_ready(running)
        idle = wrk.run(
            wrk.command(
                wrk_path,
                running.url,
                "path.lua",
                connections=1,
                duration_s=min(2, duration_s),
                script_args=["/fast"],
            )
        )
        results["idle"] = {"description": "/fast with no other load", "fast": idle.to_json()}
        for variant, (path, description) in VARIANTS.items():
            slow = wrk.start(
                wrk.command(
                    wrk_path,
                    running.url,
                    "path.lua",
                    connections=16,
                    duration_s=duration_s + 1,
                    script_args=[path],
                )
            )
            time.sleep(0.5)
            fast = wrk.run(
                wrk.command(
                    wrk_path,
                    running.url,
                    "path.lua",
                    connections=1,
                    duration_s=duration_s,
                    timeout_s=duration_s + 5,
                    script_args=["/fast"],
                )
            )
            slow_result = wrk.collect(slow)
            results[variant] = {
                "description": description,
                "slow_path": path,
                "fast": fast.to_json(),
                "slow": slow_result.to_json(),
            }
    finally:
        servers.stop(running)
    return results
