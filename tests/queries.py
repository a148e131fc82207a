"""Counting the queries of a page, for the query-count tests of the lists (``test_queries.py``).

Each list is counted at two sizes: its query count must not grow with its rows (no query per
row), and it is pinned, so that a new query shows in review.
"""

from contextlib import contextmanager

from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext


@contextmanager
def rolled_back(django_db_blocker):
    """Rows built once for a test module (and xdist worker), in a transaction rolled back
    after it; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def queries(client, url: str, *, warm: bool = True, shows: str = "", status: int = 200) -> int:
    """The number of queries of a GET of ``url``. ``warm``: a first request fills what a
    process keeps once loaded (content types, the observatory's reference figures) and is not
    counted; the next sizes of a test are counted without one. ``shows``: a text the page must
    contain (the rows counted are listed)."""
    if warm:
        client.get(url)
    _renew_cached_results()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        content = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == status, response.status_code
    assert shows.encode() in content, f"{shows!r} not in {url}"
    return len(captured)


def _renew_cached_results() -> None:
    """Results kept by :mod:`sdsf.core.cache` are computed again, as after a change of their
    data (whose renewal waits for a commit that the tests' transactions never make): the
    count is the page's own work."""
    cache.delete_many([f"sdsf:version:{name}" for name in ("offer", "observatory")])


def sql(client, url: str) -> list[str]:
    """The SQL of a GET of ``url`` (second request, as :func:`queries`)."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return [query["sql"] for query in captured]


class FakeHTML:
    """Stands for ``weasyprint.HTML`` in query counts: the page is rendered (its queries run)
    and returned as it is, not drawn (WeasyPrint reads no row, and takes seconds)."""

    def __init__(self, string: str):
        self.string = string

    def write_pdf(self) -> bytes:
        return self.string.encode()
