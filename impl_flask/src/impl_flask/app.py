"""The application factory: ``gunicorn 'impl_flask.app:create_app()'``."""

from __future__ import annotations

import gc

from flask import Blueprint, Flask, Response, request
from openapi_ui_bundles import redoc, swagger_ui

from impl_flask import db, downstream, parsing, security
from impl_flask.problems import ProblemApi
from impl_flask.routes import auth, health, items, users
from shared_db import Settings

MAX_BODY_BYTES = 64 * 1024
SWAGGER_UI_ASSETS = "/docs/swagger-ui"
REDOC_ASSETS = "/docs/redoc"
DOCS_PAGES = frozenset({"/docs", "/redoc"})
# The docs pages load nothing from another host. Their assets are local, but ReDoc's
# bundle still asks cdn.redoc.ly for its footer logo (no option turns that off): this
# policy makes the browser refuse it, and ReDoc hides the image.
DOCS_PAGE_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
)


def docs_page_policy(response: Response) -> Response:
    if request.path in DOCS_PAGES:
        response.headers["Content-Security-Policy"] = DOCS_PAGE_POLICY
    return response


# contract: settings/app
def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings()
    app = Flask(__name__, static_folder=None)
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        API_TITLE="Framework Arena (Flask)",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        # Swagger UI and ReDoc from the installed openapi-ui-bundles, served below:
        # the pages load nothing from any other host.
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL=f"{SWAGGER_UI_ASSETS}/",
        # Swagger UI would otherwise send the document's URL to validator.swagger.io.
        OPENAPI_SWAGGER_UI_CONFIG={"validatorUrl": None},
        OPENAPI_REDOC_PATH="redoc",
        OPENAPI_REDOC_URL=f"{REDOC_ASSETS}/redoc.standalone.js",
        API_SPEC_OPTIONS={
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
                }
            }
        },
    )
    # Never answer /items/ with a redirect to /items (or the reverse).
    app.url_map.strict_slashes = True
    app.url_map.redirect_defaults = False

    if settings.uses_dev_secret:
        app.logger.warning(
            "JWT_SECRET is the development default; set your own outside development."
        )

    app.before_request(parsing.limit_request_target)
    app.after_request(parsing.drain_unread_body)
    app.after_request(docs_page_policy)
    db.init_app(app, settings)
    security.init_app(app, settings)
    downstream.init_app(app, settings)
    app.url_map.converters["item_id"] = items.ItemIdConverter
    api = ProblemApi(app)
    api.register_converter(items.ItemIdConverter, items.item_id_schema)
    for blueprint in (health.blp, auth.blp, users.blp, items.blp):
        api.register_blueprint(blueprint)
    # The docs pages' scripts and styles, from the installed package.
    for name, folder, url_path in (
        ("swagger_ui_assets", swagger_ui.static_path, SWAGGER_UI_ASSETS),
        ("redoc_assets", redoc.static_path, REDOC_ASSETS),
    ):
        app.register_blueprint(
            Blueprint(name, __name__, static_folder=folder, static_url_path=url_path)
        )
    # Start-up is done: what the factory built (modules, app, mappers, schemas, the
    # OpenAPI spec) lives as long as the process. Frozen, it is never re-scanned by
    # a full collection. gunicorn (without --preload) and granian both call the
    # factory in each worker process, so this runs after any fork.
    gc.freeze()
    return app
