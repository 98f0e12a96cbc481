"""The downstream simulator (``downstream/``) that level-io implementations call.

``arena`` starts it like an implementation, on the port of ``DOWNSTREAM_URL`` when
that URL is on this machine and nothing answers there yet; a ``DOWNSTREAM_URL``
elsewhere is the user's own service, left alone.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from arena import servers
from arena.project import Implementation
from shared_db import Settings

NAME = "downstream"
LEVEL = "io"
LOCAL_HOSTS = {"127.0.0.1", "localhost", servers.HOST}

SIMULATOR = Implementation(
    name=NAME,
    port=8400,
    app_module="downstream",
    default_server="aiohttp",
    servers={"aiohttp": "python -m downstream --host {host} --port {port} --workers {workers}"},
)


def needed(impls: list[Implementation]) -> bool:
    return any(LEVEL in impl.levels for impl in impls)


def root_url(settings: Settings) -> str:
    """The simulator's own base URL (its control endpoints), from ``DOWNSTREAM_URL``."""
    parts = urlsplit(settings.downstream_url)
    return f"{parts.scheme}://{parts.netloc}"


def ensure_running(
    settings: Settings, env: dict[str, str], workers: int = 1
) -> servers.Running | None:
    """Start the simulator where ``DOWNSTREAM_URL`` points; return it if this call started it.

    One process by default: the contract suite sets per-item behaviours, which live in
    the process that received them.
    """
    parts = urlsplit(settings.downstream_url)
    if parts.hostname not in LOCAL_HOSTS or servers.find(NAME):
        return None
    port = parts.port or 80
    if servers.port_in_use(port):
        return None  # someone's service already answers there
    running = servers.spawn(SIMULATOR, env, port=port, workers=workers)
    servers.wait_ready(running)
    return running
