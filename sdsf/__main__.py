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

    try:
        execute_from_command_line(sys.argv)
    except Exception as error:
        from sdsf.core.database import COMMAND_HINT, UNAVAILABLE_MESSAGE, is_outage

        if not is_outage(error):
            raise
        # A French message for the person at the terminal, the driver's words for the admin.
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        sys.stderr.write(f"{UNAVAILABLE_MESSAGE}\n{COMMAND_HINT}\n({detail})\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
