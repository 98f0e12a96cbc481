"""The WSGI entry point: ``gunicorn impl_drf.wsgi:application``.

Both servers import this module once per worker process (gunicorn after forking,
without ``--preload``; granian in each worker it starts), so what runs here runs
once per worker, before its first request.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "impl_drf.settings")

# contract: settings/app
application = get_wsgi_application()

# Django imports the URLconf (and with it the views, serializers and DRF's settings)
# on the first request; importing it here puts that in start-up, before the freeze.
get_resolver().url_patterns  # noqa: B018 (the access imports the URLconf)

# Everything loaded so far lives as long as the process. Moved to the permanent
# generation, it is no longer re-scanned by every full (gen2) collection, which
# otherwise walks the whole start-up heap while the worker's request waits.
gc.freeze()
