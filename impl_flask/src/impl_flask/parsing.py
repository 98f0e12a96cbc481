"""Strict JSON bodies for every flask-smorest view.

webargs is lenient by default: it ignores the body of a request that is not
JSON, treats an empty body as ``{}`` and parses with Python's ``json``, which
accepts ``NaN`` and ``Infinity``. The contract wants 415, 400 and 400 instead.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

import flask
import flask_smorest
from flask import request
from marshmallow import Schema
from webargs.flaskparser import FlaskParser, abort
from werkzeug.exceptions import HTTPException
from werkzeug.wsgi import get_input_stream

# Bodies up to this size are read and dropped when a request is refused unread.
DRAIN_LIMIT_BYTES = 1024 * 1024


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


class StrictJSONParser(FlaskParser):
    def load_json(self, req: flask.Request, schema: Schema) -> Any:
        # Reading first enforces MAX_CONTENT_LENGTH (413) before anything else.
        raw = req.get_data(cache=True)
        if req.mimetype != "application/json":
            abort(415, message="The body must be sent as application/json.")
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
            # Lone surrogates (``"\ud800"``) parse but cannot be stored or hashed.
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        # ValueError covers JSONDecodeError, UnicodeError and numbers past Python's
        # digit limit; RecursionError covers absurd nesting.
        except (ValueError, RecursionError):
            abort(400, message="The body is not valid JSON.")
        # Anything but an object reaches the schema, which answers 422 on "body".
        return data


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = StrictJSONParser()


def drain_unread_body(response: flask.Response) -> flask.Response:
    """Read what a refused request (401, 413, ...) left in the connection.

    gunicorn's sync workers close every connection anyway, but a keep-alive
    server such as granian drops a connection with a large unread body without
    saying so, and the client's next request on it fails.
    """
    length = request.content_length
    if length and length <= DRAIN_LIMIT_BYTES and "stream" not in request.__dict__:
        stream = get_input_stream(request.environ)
        try:
            while stream.read(64 * 1024):
                pass
        except (HTTPException, OSError):
            pass  # the client went away; nothing left to keep
    return response
