"""Filters of the application's logs (settings ``LOGGING``)."""

import logging
import re

# "GET /familles/recherche/?q=Dupont HTTP/1.1" → "GET /familles/recherche/ HTTP/1.1"
_QUERY = re.compile(r"^(\S+ [^?\s]*)\?\S*")


class DropQueryString(logging.Filter):
    """Removes the query string from the request line of the development server's access log
    (``django.server``): searches carry people's names there. gunicorn's access log leaves it
    out by its format (``deploy/gunicorn.conf.py``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            record.args = (_QUERY.sub(r"\1", record.args[0]), *record.args[1:])
        return True
