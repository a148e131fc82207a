"""The ``sdsf`` console script: the project's ``manage.py``."""

import os
import sys


def main() -> None:
    if sys.argv[1:2] == ["allocate"]:
        # The engine's contract is a pure command: skip Django's start-up (about 0.45 s), which
        # the allocation needs not and which would dominate its benchmark.
        from sdsf.allocation import cli

        sys.exit(cli.main(sys.argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sdsf.settings.dev")
    from django.core.management import execute_from_command_line

    from sdsf.core.commands import run_reporting_database_errors

    run_reporting_database_errors(lambda: execute_from_command_line(sys.argv))


if __name__ == "__main__":
    main()
