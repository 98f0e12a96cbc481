from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "impl_drf.api"
    label = "api"
    verbose_name = "Contract API"

    def ready(self) -> None:
        # Registers the OpenAPI description of the JWT authentication class.
        from impl_drf.api import schema  # noqa: F401
