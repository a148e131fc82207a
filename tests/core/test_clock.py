"""One clock: the site's date (Paris), which the server's own date may not be."""

from datetime import UTC, date, datetime

import time_machine
from django.urls import reverse

from sdsf.core import clock


@time_machine.travel(datetime(2025, 12, 31, 23, 30, tzinfo=UTC))
def test_today_is_the_date_in_paris():
    assert clock.now() == datetime(2025, 12, 31, 23, 30, tzinfo=UTC)
    assert clock.today() == date(2026, 1, 1)  # 00:30 in Paris
    assert clock.local_now().hour == 0


@time_machine.travel(datetime(2025, 12, 31, 23, 30, tzinfo=UTC))
def test_pages_read_the_clock(client):
    """The cost calculator proposes today's date, Paris time."""
    assert 'value="2026-01-01"' in client.get(reverse("families:cost")).content.decode()
