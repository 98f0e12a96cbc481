"""Strict JSON bodies for every flask-smorest view.

webargs is lenient by default: it ignores the body of a request that is not
JSON, treats an empty body as ``{}`` and parses with Python's ``json``, which
accepts ``NaN`` and ``Infinity`` and keeps the last of two members with one
name. The contract wants 415, 400, 400 and 400 instead.

It also caps the request target at 8 KiB (414): gunicorn runs with
``--limit-request-line 0`` so that this answer, not its own HTML page, is the one
a client gets (``request_target`` says what each server lets the check see).
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import quote

import flask
import flask_smorest  # type: ignore[import-untyped]  # ships no type information
from flask import request
from marshmallow import Schema
from webargs.flaskparser import FlaskParser, abort
from werkzeug.exceptions import HTTPException, RequestURITooLarge
from werkzeug.wsgi import get_input_stream

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

# Bodies up to this size are read and dropped when a request is refused unread.
DRAIN_LIMIT_BYTES = 1024 * 1024
# The longest request target (path and query string as sent) served.
MAX_TARGET_BYTES = 8 * 1024
# What a path may carry unencoded (RFC 3986 pchar and "/"), besides letters and digits.
_PATH_SAFE = "/-._~!$&'()*+,;=:@"


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise ValueError("an object names a member twice")
    return members


class StrictJSONParser(FlaskParser):
    def load_json(self, req: flask.Request, schema: Schema) -> Any:
        # Reading first enforces MAX_CONTENT_LENGTH (413) before anything else.
        raw = req.get_data(cache=True)
        if req.mimetype != "application/json":
            abort(415, message="The body must be sent as application/json.")
        try:
            data = json.loads(
                raw.decode("utf-8"),
                parse_constant=_reject_constant,
                object_pairs_hook=_unique_members,
            )
            # Lone surrogates (``"\ud800"``) parse but cannot be stored or hashed.
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        # ValueError covers JSONDecodeError, UnicodeError and numbers past Python's
        # digit limit; RecursionError covers absurd nesting.
        except (ValueError, RecursionError):
            abort(400, message="The body is not valid JSON.")
        # Anything but an object reaches the schema, which answers 422 on "body".
        return data


# contract: bodies, openapi.same-contract
# What a JSON body can get before its schema is even looked at (StrictJSONParser).
BODY_ERRORS = (HTTPStatus.BAD_REQUEST, HTTPStatus(413), HTTPStatus.UNSUPPORTED_MEDIA_TYPE)


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]  # flask-smorest is untyped
    ARGUMENTS_PARSER = StrictJSONParser()

    def arguments(self, schema: Any, *, location: str = "json", **kwargs: Any) -> Any:
        """As smorest's, and a JSON body also documents its 400, 413 and 415.

        Views pass ``schema`` as an instance: given a class, webargs builds a new
        schema for every request (a marshmallow schema keeps no state between loads).
        """
        decorate = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return decorate

        def decorator(func: Any) -> Any:
            view = decorate(func)
            responses = view._apidoc["arguments"]["responses"]
            for status in BODY_ERRORS:
                responses.setdefault(status.value, status.name)
            return view

        return decorator


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


def limit_request_target() -> None:
    """414 for a request target over ``MAX_TARGET_BYTES``, before routing answers."""
    if len(request_target(request.environ)) > MAX_TARGET_BYTES:
        raise RequestURITooLarge(f"The request target is longer than {MAX_TARGET_BYTES} bytes.")


def request_target(environ: WSGIEnvironment) -> str:
    """The request target as the client sent it, or as near as the server lets us see.

    WSGI hands the application a percent-decoded ``PATH_INFO``, so ``%41`` and ``A``
    look alike. gunicorn adds the raw target as ``RAW_URI``, werkzeug (and uWSGI,
    mod_wsgi, waitress) as ``REQUEST_URI``. granian adds neither; there the path is
    encoded again as little as a client must (RFC 3986 path characters stay), which
    can be shorter than what was sent but never longer.
    """
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return str(raw)
    # PATH_INFO holds the decoded bytes as latin-1 characters (PEP 3333).
    path = quote(environ.get("PATH_INFO", "").encode("latin-1"), safe=_PATH_SAFE)
    query = environ.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path
