"""The platform's one clock: the current time and today's date in the site's time zone.

Every "now" and "today" of the application reads this module, never ``date.today()`` (the
server's zone, not Paris) nor ``timezone`` directly, so that a date computed in one place agrees
with a date computed in another, and tests freeze both with time-machine. Pure cores take the
date as a parameter instead.
"""

import datetime

from django.utils import timezone


def now() -> datetime.datetime:
    """The current instant, an aware datetime (stored in UTC)."""
    return timezone.now()


def today() -> datetime.date:
    """Today's date in the site's time zone (``TIME_ZONE``, Europe/Paris)."""
    return timezone.localdate(now())


def local_now() -> datetime.datetime:
    """The current instant in the site's time zone (file names, printed stamps)."""
    return timezone.localtime(now())
