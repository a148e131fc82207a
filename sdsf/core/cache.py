"""Results kept in the Django cache until the data they rest on changes.

A public page asked by many people at once (the families' search, the observatory's territory
page) recomputes the same answer for each of them. :func:`cached` keeps the answer under the
current *version* of the data it rests on (``"offer"``...); :func:`bump` renews that version
when the data changes, after the transaction commits (a page computed meanwhile would store the
old data under the new version). Old entries are never read again and expire on their own.

Versions live in the cache too: with a cache shared by the processes (Redis, or the database
with ``CACHE_URL=db``) a change is seen by all of them at once; with each process's own memory
(the default), other processes see it when their entry expires, after ``seconds`` at most.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")


def _version_key(name: str) -> str:
    return f"sdsf:version:{name}"


def version(name: str) -> str:
    """The current version of the data ``name`` (created on first use)."""
    return cache.get_or_set(_version_key(name), lambda: uuid.uuid4().hex, None)


def bump(name: str) -> None:
    """Renews the version of ``name`` once the current transaction commits."""
    transaction.on_commit(lambda: cache.set(_version_key(name), uuid.uuid4().hex, None))


def cached(name: str, key: str, compute: Callable[[], T], seconds: int) -> T:
    """``compute()``, kept ``seconds`` under the current version of ``name`` and ``key``."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    full = f"sdsf:{name}:{version(name)}:{digest}"
    found = cache.get(full)
    if found is None:
        found = compute()
        cache.set(full, found, seconds)
    return found
