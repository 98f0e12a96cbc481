"""The settings django-stubs' mypy plugin loads (``cd impl_drf && uv run mypy``).

The plugin imports the settings to learn the installed apps and models. The real
ones want a DATABASE_URL, which type checking has no use for: any URL will do, as
nothing connects. The plugin adds this directory to ``sys.path`` and restores the
environment afterwards. Not part of the package (it lives outside ``src``).
"""

import os

os.environ.setdefault("DATABASE_URL", "postgresql://typecheck.invalid/none")

from impl_drf.settings import *  # noqa: F403
