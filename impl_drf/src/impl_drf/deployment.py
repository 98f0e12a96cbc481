"""Where this server is deployed: the Django settings that differ per host, from ``DJANGO_*``.

The shared ``Settings`` carries what every implementation needs; these belong to
Django alone (host names, the admin's CSRF origins, HTTPS behind a proxy). Read
once by ``settings.py``, like ``Settings``. The defaults serve ``arena`` and the
contract suite on 127.0.0.1 over plain HTTP.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LOCAL_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

CommaSeparated = Annotated[list[str], NoDecode]


class Deployment(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DJANGO_", frozen=True, extra="ignore")

    allowed_hosts: CommaSeparated = Field(
        default_factory=lambda: list(LOCAL_HOSTS),
        description="DJANGO_ALLOWED_HOSTS=drf,api.example.com: the Host names served.",
    )
    csrf_trusted_origins: CommaSeparated = Field(
        default_factory=list,
        description=(
            "DJANGO_CSRF_TRUSTED_ORIGINS=https://admin.example.com: origins whose admin "
            "form posts are accepted besides the request's own host."
        ),
    )
    https: bool = Field(
        default=False,
        description=(
            "DJANGO_HTTPS=true: clients reach the server over HTTPS through a TLS proxy "
            "that sets X-Forwarded-Proto; the admin's cookies are then Secure."
        ),
    )
    secure_ssl_redirect: bool = Field(
        default=False,
        description="DJANGO_SECURE_SSL_REDIRECT=true: redirect HTTP to HTTPS (or the proxy does).",
    )
    secure_hsts_seconds: int = Field(
        default=0,
        ge=0,
        description="DJANGO_SECURE_HSTS_SECONDS=31536000: send HSTS (often the proxy's job).",
    )
    secure_hsts_include_subdomains: bool = False
    secure_hsts_preload: bool = False

    @field_validator("allowed_hosts", "csrf_trusted_origins", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value
