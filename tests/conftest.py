"""Test set-up: the real COG territories are imported once per test database."""

import pytest

from tests.factories import make_user
from tests.permission_world import build_world
from tests.queries import rolled_back


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from sdsf.territories.importer import import_territories

    with django_db_blocker.unblock():
        import_territories()


@pytest.fixture
def user_factory(db):
    return make_user


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploaded documents go to the test's own folder, never to var/private."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def empty_cache():
    """Throttle counts live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    """The world, built once per test module (and per xdist worker) inside a transaction that
    is rolled back after the module; each test runs in a savepoint inside it."""
    with rolled_back(django_db_blocker):
        yield build_world()


@pytest.fixture(autouse=True)
def default_language():
    """A request in another language leaves it active in the worker's thread (the locale
    middleware does not reset it): each test starts again in the default language."""
    from django.utils import translation

    yield
    translation.deactivate()
