"""Django settings: everything derives from the shared ``Settings``, read once here.

Django's settings module is the framework's single configuration point, so this is
the one place that builds ``shared_db.Settings()`` and, for what only Django needs
(host names, HTTPS behind a proxy), ``Deployment()``, both from the environment;
the rest of the project reads ``django.conf.settings``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path
from typing import Any

from psycopg.conninfo import conninfo_to_dict

from impl_drf.deployment import Deployment
from shared_db import ConfigurationError, Settings

# contract: settings/app
ARENA = Settings()
DEPLOYMENT = Deployment()

DEBUG = False
# DJANGO_ALLOWED_HOSTS; by default the local names arena and the suite use.
ALLOWED_HOSTS = DEPLOYMENT.allowed_hosts
# DJANGO_CSRF_TRUSTED_ORIGINS: only the admin has forms (the API takes bearer tokens).
CSRF_TRUSTED_ORIGINS = DEPLOYMENT.csrf_trusted_origins

# HTTPS is terminated by a proxy in front (DJANGO_HTTPS). Redirecting plain HTTP and
# HSTS are usually that proxy's job too; DJANGO_SECURE_SSL_REDIRECT and
# DJANGO_SECURE_HSTS_* turn them on here when it does not (docs/security.md).
if DEPLOYMENT.https:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = DEPLOYMENT.secure_ssl_redirect
# A health probe from inside the container speaks plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health$"]
SECURE_HSTS_SECONDS = DEPLOYMENT.secure_hsts_seconds
SECURE_HSTS_INCLUDE_SUBDOMAINS = DEPLOYMENT.secure_hsts_include_subdomains
SECURE_HSTS_PRELOAD = DEPLOYMENT.secure_hsts_preload

# Signs admin sessions and CSRF tokens. Derived from the JWT secret so there is one
# secret to configure, but never equal to it: a leaked session key must not mint JWTs.
SECRET_KEY = hmac.new(
    ARENA.jwt_secret.get_secret_value().encode(),
    b"impl_drf django SECRET_KEY",
    hashlib.sha256,
).hexdigest()

# contract: settings/app
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI's and ReDoc's files, served from here: /docs works offline.
    "drf_spectacular_sidecar",
    "impl_drf.api",
]

MIDDLEWARE = [
    # Outermost: it drains the body after every answer, the 414 included.
    "impl_drf.api.middleware.DrainRequestBodyMiddleware",
    "impl_drf.api.middleware.RequestTargetLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # WhiteNoise, able to run under ASGI without a thread per request.
    "impl_drf.api.middleware.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "impl_drf.urls"
WSGI_APPLICATION = "impl_drf.wsgi.application"
ASGI_APPLICATION = "impl_drf.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Searched before the apps' own: templates/admin/ adjusts the admin's pages.
        "DIRS": [Path(__file__).parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# postgres:// and postgresql://, with or without a driver suffix (postgresql+psycopg://).
_POSTGRES_SCHEME = re.compile(r"\Apostgres(?:ql)?(?:\+\w+)?://")


# contract: settings/app
def database_from_url(database_url: str, arena: Settings) -> dict[str, Any]:
    """One ``DATABASES`` entry from a PostgreSQL URL and the shared settings.

    libpq parses the URL, so every form it accepts works, including a socket
    directory given as ``?host=/some/dir`` (it lands in HOST, PORT stays empty).
    Parameters other than the five Django names go to OPTIONS, over the shared
    libpq options (connect timeout, keepalives, statement timeout); an ``options``
    parameter is added to the shared one rather than replacing it.
    (Not ``shared_db.urls``: it would load SQLAlchemy into every worker just for this,
    about a fifth of the import time.)
    """
    libpq_url, found = _POSTGRES_SCHEME.subn("postgresql://", database_url)
    if not found:
        scheme = database_url.partition("://")[0]
        raise ConfigurationError(f"DATABASE_URL is not a PostgreSQL URL (scheme {scheme!r}).")
    params: dict[str, Any] = conninfo_to_dict(libpq_url)
    known = {
        "NAME": params.pop("dbname", ""),
        "USER": params.pop("user", ""),
        "PASSWORD": params.pop("password", ""),
        "HOST": params.pop("host", ""),
        "PORT": params.pop("port", ""),
    }
    shared = arena.libpq_options()
    if "options" in params:
        params["options"] = f"{shared['options']} {params['options']}"
    return {
        # Django's PostgreSQL backend plus a watchdog on every round trip (impl_drf.db).
        "ENGINE": "impl_drf.db",
        **{key: str(value) for key, value in known.items()},
        "OPTIONS": {
            **shared,
            **params,
            # Django's native psycopg 3 pool, sized like the other two implementations
            # (DB_POOL_SIZE per process). `timeout` bounds the wait for a connection,
            # so a database that is down answers 503 within DB_POOL_TIMEOUT_SECONDS.
            # `reconnect_timeout` ends the pool's retries (backing off 1, 2, 4, ... s)
            # after as long, and the next request starts afresh: a database that comes
            # back is used within seconds, not after a backoff grown during the outage.
            "pool": {
                "min_size": 1,
                "max_size": arena.db_pool_size,
                "timeout": arena.db_pool_timeout_seconds,
                "reconnect_timeout": arena.db_pool_timeout_seconds,
            },
        },
        # No health check when the pool hands out a connection: that ping to a frozen
        # database would wait outside every bound. A connection that died while idle
        # fails its first query instead (a 503), and the pool replaces it.
        "CONN_HEALTH_CHECKS": False,
        # A round trip still unanswered after this is cut off (impl_drf.db.base).
        "WATCHDOG_SECONDS": arena.db_watchdog_seconds,
    }


# contract: settings/app
# Failing here, at startup, beats Django's dummy backend failing on the first query
# with a message that does not say which variable to set.
DATABASES = {"default": database_from_url(ARENA.require_database_url(), ARENA)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

JWT_SECRET = ARENA.jwt_secret.get_secret_value()
JWT_TTL_SECONDS = ARENA.jwt_ttl_seconds

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# The contract: no trailing slashes and no redirects to them.
APPEND_SLASH = False
# The contract's 64 KiB body limit (bodies.too-large).
DATA_UPLOAD_MAX_MEMORY_SIZE = 65_536
# The contract's 8 KiB request target limit (general.request-target-limit); gunicorn
# runs with --limit-request-line 0 so that this, not its HTML page, answers.
MAX_REQUEST_TARGET_BYTES = 8_192
# An unread request body up to this size is read (and dropped) after the answer, so
# the server can keep the connection (DrainRequestBodyMiddleware).
DRAIN_LIMIT_BYTES = 1_048_576

STATIC_URL = "static/"
# No collectstatic step: WhiteNoise serves the admin's files from the installed apps.
WHITENOISE_USE_FINDERS = True

# contract: settings/app
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["impl_drf.api.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["impl_drf.api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "impl_drf.api.parsers.JSONOnlyNegotiation",
    "DEFAULT_PAGINATION_CLASS": "impl_drf.api.pagination.ItemPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "impl_drf.api.problems.exception_handler",
    # The contract reports errors that belong to no member (a body that is not an
    # object) under the field name "body".
    "NON_FIELD_ERRORS_KEY": "body",
    # `?format=` would otherwise be a reserved query parameter (404 on unknown values);
    # the contract says unknown query parameters are ignored.
    "URL_FORMAT_OVERRIDE": None,
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Framework Arena API (Django REST Framework)",
    "DESCRIPTION": "The contract v1: users, bearer tokens and items.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # drf-spectacular-sidecar's documented offline setup: the UIs' JavaScript and CSS
    # come from this server's static files (WhiteNoise), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would otherwise show a badge fetched from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # GET /health's two members share the one value "ok": one enum, one name.
    "ENUM_NAME_OVERRIDES": {"OkEnum": ["ok"]},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "impl_drf.api.schema.contract_shapes",
    ],
    # The <item_id:pk> converter of urls.py, described as the integer it is.
    "PATH_CONVERTER_OVERRIDES": {
        "item_id": {"type": "integer", "minimum": 1, "maximum": 9_223_372_036_854_775_807},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # 4xx answers are the contract working as designed; log only server errors
    # (with their traceback), which DEBUG = False would otherwise send nowhere.
    "loggers": {"django": {"handlers": ["console"], "level": "ERROR"}},
}
