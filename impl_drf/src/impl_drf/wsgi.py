"""The WSGI entry point: ``gunicorn impl_drf.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "impl_drf.settings")

# contract: settings/app
application = get_wsgi_application()
