"""The 414 check sees the request target as sent, as far as each server shows it; the
argument schemas are built once."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from marshmallow import Schema

from impl_flask.parsing import MAX_TARGET_BYTES, request_target

# What granian hands the app: a decoded PATH_INFO and no raw target.
GRANIAN = {"RAW_URI": "", "REQUEST_URI": ""}


@pytest.mark.parametrize(
    ("environ", "target"),
    [
        # gunicorn: RAW_URI, exactly as sent
        ({"RAW_URI": "/items/%31?x=%41", "PATH_INFO": "/items/1"}, "/items/%31?x=%41"),
        # werkzeug, uWSGI, mod_wsgi, waitress: REQUEST_URI
        ({"REQUEST_URI": "/a%2Fb", "PATH_INFO": "/a/b"}, "/a%2Fb"),
        # neither (granian): the decoded path, encoded again where it must be
        ({"PATH_INFO": "/caf\xc3\xa9 x", "QUERY_STRING": "q=%41"}, "/caf%C3%A9%20x?q=%41"),
        ({"PATH_INFO": "/items/1", "QUERY_STRING": ""}, "/items/1"),
        ({"PATH_INFO": "/a:b@c;d=e~f", "QUERY_STRING": ""}, "/a:b@c;d=e~f"),
    ],
)
def test_request_target(environ: dict[str, str], target: str) -> None:
    assert request_target(environ) == target


def test_an_encoded_path_over_the_limit_is_414_where_the_server_shows_it(
    client: FlaskClient,
) -> None:
    # %41 is "A": decoded, this path is a third as long as sent.
    path = "/nothing/" + "%41" * (MAX_TARGET_BYTES // 3)
    response = client.get(path)
    assert response.status_code == 414
    assert response.mimetype == "application/problem+json"


def test_a_decoded_path_that_must_be_encoded_counts_encoded(client: FlaskClient) -> None:
    # A server without a raw target still counts "é" as the six bytes "%C3%A9".
    path = "/nothing/" + "\u00e9" * (MAX_TARGET_BYTES // 6 + 1)
    response = client.get(path, environ_overrides=GRANIAN)
    assert response.status_code == 414


def test_a_target_at_the_limit_is_served(client: FlaskClient) -> None:
    path = "/items?pad="
    response = client.get(path + "a" * (MAX_TARGET_BYTES - len(path)))
    assert response.status_code != 414


def test_requests_reuse_the_schemas_built_at_start_up(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    init = Schema.__init__

    def counting_init(self: Schema, *args: Any, **kwargs: Any) -> None:
        built.append(type(self).__name__)
        init(self, *args, **kwargs)

    monkeypatch.setattr(Schema, "__init__", counting_init)
    # Parsed, then 503 (the test database is unreachable): the schemas ran either way.
    client.get("/items?limit=5")
    client.post("/auth/register", json={"username": "someone", "password": "password-123"})
    client.post("/auth/token", json={"username": "someone", "password": "password-123"})
    assert built == []
