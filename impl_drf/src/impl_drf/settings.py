"""Django settings: everything derives from the shared ``Settings``, read once here.

Django's settings module is the framework's single configuration point, so this is
the one place that builds ``shared_db.Settings()`` (from the environment);
the rest of the project reads ``django.conf.settings``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from psycopg.conninfo import conninfo_to_dict

from shared_db import ConfigurationError, Settings

# contract: settings/app
ARENA = Settings()

DEBUG = False
# Served locally (arena, the contract suite, benchmarks); a deployment behind a
# proxy would list its own names here.
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

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
    "impl_drf.api",
]

MIDDLEWARE = [
    "impl_drf.api.middleware.RequestTargetLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "impl_drf.urls"
WSGI_APPLICATION = "impl_drf.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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
def database_from_url(database_url: str, pool_size: int) -> dict[str, Any]:
    """One ``DATABASES`` entry from a PostgreSQL URL.

    libpq parses the URL, so every form it accepts works, including a socket
    directory given as ``?host=/some/dir`` (it lands in HOST, PORT stays empty).
    Parameters other than the five Django names go to OPTIONS untouched.
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
    return {
        "ENGINE": "django.db.backends.postgresql",
        **{key: str(value) for key, value in known.items()},
        "OPTIONS": {
            # An unreachable database must give a prompt 503, not a hung worker.
            "connect_timeout": 3,
            **params,
            # Django's native psycopg 3 pool, sized like the other two implementations
            # (DB_POOL_SIZE per process). `timeout` bounds the wait for a connection,
            # so a database that is down answers 503 within about three seconds.
            "pool": {"min_size": 1, "max_size": pool_size, "timeout": 3},
        },
    }


# contract: settings/app
# Failing here, at startup, beats Django's dummy backend failing on the first query
# with a message that does not say which variable to set.
DATABASES = {"default": database_from_url(ARENA.require_database_url(), ARENA.db_pool_size)}
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
