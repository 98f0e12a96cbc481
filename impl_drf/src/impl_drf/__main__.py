"""``python -m impl_drf`` is this project's ``manage.py``."""

import os
import sys

from django.core.management import execute_from_command_line


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "impl_drf.settings")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
