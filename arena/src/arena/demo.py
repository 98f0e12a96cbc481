"""The demo walkthrough: real requests against the running servers, printed as they happen."""

from __future__ import annotations

import json
import secrets

import httpx
from rich.console import Console

from arena.project import Implementation
from arena.servers import Running


def _show(console: Console, response: httpx.Response) -> httpx.Response:
    request = response.request
    console.print(f"[bold cyan]{request.method} {request.url}[/]")
    if request.content:
        console.print(f"  [dim]body[/] {request.content.decode()}")
    console.print(f"  [bold]→ {response.status_code}[/]", end=" ")
    for header in ("location", "x-total-count"):
        if header in response.headers:
            console.print(f"[dim]{header}:[/] {response.headers[header]}", end=" ")
    console.print()
    if response.content:
        console.print_json(json.dumps(response.json()))
    return response


def walkthrough(console: Console, running: list[Running], impls: list[Implementation]) -> None:
    """Register on the first implementation, then use the token on every one of them."""
    first = running[0]
    username = f"demo_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(12)
    console.rule(f"One user, one token, {len(running)} implementations")
    with httpx.Client(base_url=first.url, timeout=10) as client:
        credentials = {"username": username, "password": password}
        _show(console, client.post("/auth/register", json=credentials))
        token = _show(console, client.post("/auth/token", json=credentials)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    for server in running:
        console.rule(f"{server.name} ({server.server})")
        with httpx.Client(base_url=server.url, timeout=10, headers=headers) as client:
            item = {"name": f"Notebook via {server.name}", "price_cents": 1250}
            _show(console, client.post("/items", json=item))
            _show(console, client.get("/items", params={"limit": 2}))
            _show(console, client.get("/me"))
    console.rule("Running")
    for server, impl in zip(running, impls, strict=True):
        console.print(
            f"[bold]{server.name}[/]: {server.url}/docs  (OpenAPI: {server.url}/openapi.json)"
        )
        for note in impl.demo_notes:
            console.print(f"  {note.format(base_url=server.url)}")
    console.print("Stop everything with [bold]arena down[/] (or [bold]make down[/]).")
