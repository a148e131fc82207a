import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fresh_reference_cache():
    """Reference figures are cached across requests; each test starts from its own data."""
    cache.clear()
    yield
    cache.clear()
