"""The slow downstream service: answers ``GET /work`` after a delay, or fails as asked.

``GET /work?ms=50&bytes=512`` answers ``200`` with a small JSON object after ``ms``
milliseconds. What a call gets can be chosen two ways:

- by its query (what a benchmark puts in the implementations' ``DOWNSTREAM_URL``):
  ``ms`` (delay, default 0), ``bytes`` (padding in the body, default 64), ``fail``
  (the probability of a ``503`` instead, default 0) and ``hang=1`` (never answer);
- per item (what the contract suite does, one item per test, so tests running in
  parallel never meet): ``PUT /behaviour/{item}`` with ``{"ms", "status", "hang",
  "drop", "not_json"}`` applies to every call carrying ``item={item}``, the query
  parameter the contract's fan-out adds. ``drop`` closes the connection without an
  answer; ``not_json`` answers ``200`` with a body that is not JSON; ``gather: N`` holds
  each call until N calls for the item are in flight together (at most 1.5 s).

``GET /stats/{item}`` tells how many calls for that item arrived and how many were
in flight at once at most: how the suite sees that a fan-out was concurrent without
timing anything. Behaviours and statistics live in the process that served the
call, so the suite runs the service with one process; a benchmark may run several.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# Items remembered at most (behaviours and statistics), oldest forgotten first.
MAX_ITEMS = 50_000
MAX_DELAY_MS = 600_000
MAX_BYTES = 1_000_000
GATHER_TIMEOUT_S = 1.5


@dataclass
class Behaviour:
    ms: float = 0.0
    status: int = 200
    hang: bool = False
    drop: bool = False
    not_json: bool = False
    # Hold each call until this many calls for the item are in flight at once (or
    # GATHER_TIMEOUT_S passes): a concurrent fan-out is released together, whatever the
    # machine's load, while a sequential one never gathers.
    gather: int = 0

    @classmethod
    def from_json(cls, body: Any) -> Behaviour:
        known = {"ms", "status", "hang", "drop", "not_json", "gather"}
        if not isinstance(body, dict) or set(body) - known:
            raise ValueError("expected an object with ms, status, hang, drop, not_json, gather")
        ms = float(body.get("ms", 0))
        status = int(body.get("status", 200))
        if not 0 <= ms <= MAX_DELAY_MS or not 200 <= status <= 599:
            raise ValueError("ms must be 0..600000 and status 200..599")
        flags = {k: body.get(k, False) for k in ("hang", "drop", "not_json")}
        if not all(isinstance(v, bool) for v in flags.values()):
            raise ValueError("hang, drop and not_json are booleans")
        gather = body.get("gather", 0)
        if not isinstance(gather, int) or isinstance(gather, bool) or not 0 <= gather <= 64:
            raise ValueError("gather must be an integer 0..64")
        return cls(ms=ms, status=status, gather=gather, **flags)


@dataclass
class Stats:
    calls: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    gathered: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def to_json(self) -> dict[str, int]:
        return {
            "calls": self.calls,
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
        }


@dataclass
class State:
    behaviours: OrderedDict[str, Behaviour] = field(default_factory=OrderedDict)
    stats: OrderedDict[str, Stats] = field(default_factory=OrderedDict)
    rng: random.Random = field(default_factory=random.Random)

    def stats_for(self, item: str) -> Stats:
        found = self.stats.get(item)
        if found is None:
            found = self.stats[item] = Stats()
            if len(self.stats) > MAX_ITEMS:
                self.stats.popitem(last=False)
        return found


STATE = web.AppKey("state", State)


def _problem(status: int, detail: str) -> web.Response:
    body = {"type": "about:blank", "title": "error", "status": status, "detail": detail}
    return web.json_response(body, status=status, content_type="application/problem+json")


def _number(request: web.Request, name: str, default: float, upper: float) -> float:
    raw = request.query.get(name)
    if raw is None:
        return default
    value = float(raw)
    if not 0 <= value <= upper:
        raise ValueError(f"{name} must be 0..{upper:g}")
    return value


async def work(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    try:
        ms = _number(request, "ms", 0, MAX_DELAY_MS)
        size = int(_number(request, "bytes", 64, MAX_BYTES))
        fail = _number(request, "fail", 0, 1)
    except ValueError as exc:
        return _problem(400, str(exc))
    item = request.query.get("item")
    behaviour = state.behaviours.get(item) if item is not None else None
    if behaviour is None:
        behaviour = Behaviour(
            ms=ms,
            status=503 if fail and state.rng.random() < fail else 200,
            hang=request.query.get("hang") == "1",
        )
    stats = state.stats_for(item) if item is not None else None
    if stats is not None:
        stats.calls += 1
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
    try:
        if behaviour.hang:
            # Until the client gives up: its disconnect cancels this handler.
            await asyncio.Event().wait()
        if behaviour.gather and stats is not None:
            if stats.in_flight >= behaviour.gather:
                stats.gathered.set()
            # Never gathered: answered anyway after the bound, and the statistics say so.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stats.gathered.wait(), GATHER_TIMEOUT_S)
        if behaviour.ms:
            await asyncio.sleep(behaviour.ms / 1000)
    finally:
        if stats is not None:
            stats.in_flight -= 1
    if behaviour.drop:
        if request.transport is not None:
            request.transport.abort()
        # Nothing reaches the client: the connection is already gone.
        return web.Response(status=204)
    if behaviour.not_json:
        return web.Response(text="<html>not json</html>", content_type="text/html")
    if behaviour.status != 200:
        return _problem(behaviour.status, "failed on purpose")
    body = {"item": item, "part": request.query.get("part"), "ms": behaviour.ms, "pad": "x" * size}
    return web.json_response(body)


async def put_behaviour(request: web.Request) -> web.Response:
    state = request.app[STATE]
    try:
        behaviour = Behaviour.from_json(await request.json())
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        return _problem(400, str(exc))
    item = request.match_info["item"]
    state.behaviours[item] = behaviour
    state.behaviours.move_to_end(item)
    if len(state.behaviours) > MAX_ITEMS:
        state.behaviours.popitem(last=False)
    return web.json_response({"item": item, "behaviour": behaviour.__dict__})


async def get_stats(request: web.Request) -> web.Response:
    found = request.app[STATE].stats.get(request.match_info["item"], Stats())
    return web.json_response(found.to_json())


async def health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_app() -> web.Application:
    app = web.Application()
    app[STATE] = State()
    app.router.add_get("/work", work)
    app.router.add_put("/behaviour/{item}", put_behaviour)
    app.router.add_get("/stats/{item}", get_stats)
    app.router.add_get("/health", health)
    return app
