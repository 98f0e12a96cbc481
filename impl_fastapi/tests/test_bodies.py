"""Bodies are parsed once, by ``IJSONRequest``: UTF-8, no member named twice."""

from __future__ import annotations

import json

import pytest
import starlette.requests
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from impl_fastapi import bodies
from impl_fastapi.bodies import IJSONRoute

JSON = {"Content-Type": "application/json"}


def test_every_route_with_a_body_parses_it_strictly(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    routes: list[APIRoute] = app.state.api_routes
    with_body = [route for route in routes if route.dependant.body_params]
    assert with_body
    for route in with_body:
        assert isinstance(route, IJSONRoute), f"{route.path} {route.methods} parses with json.loads"


@pytest.mark.parametrize(
    "body",
    [
        b'{"username": "a", "username": "b", "password": "password-123"}',
        b'{"username": "abc", "password": {"x": 1, "x": 2}}',
        '{"username": "abc", "password": "password-123"}'.encode("utf-16"),
        b'{"username": "abc", "password": "password-123"',
    ],
)
def test_a_body_that_is_not_utf8_ijson_is_400(client: TestClient, body: bytes) -> None:
    response = client.post("/auth/token", content=body, headers=JSON)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_the_body_is_parsed_once(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counting(module: str) -> type:
        def loads(*args: object, **kwargs: object) -> object:
            calls.append(module)
            return json.loads(*args, **kwargs)  # type: ignore[arg-type]

        return type("counting_json", (), {"loads": staticmethod(loads)})

    # Starlette's parser is the one FastAPI would call; the strict one replaces it.
    monkeypatch.setattr(starlette.requests, "json", counting("starlette"))
    monkeypatch.setattr(bodies, "json", counting("bodies"))
    credentials = {"username": "abc", "password": "password-123"}
    # The unreachable database answers 503, after the body was parsed and validated.
    response = client.post("/auth/token", content=json.dumps(credentials), headers=JSON)
    assert response.status_code == 503
    assert calls == ["bodies"]
