"""Fixtures of the families' tests."""

import pytest

from sdsf.accounts.models import Role
from sdsf.territories.models import Level
from tests.factories import make_user


@pytest.fixture
def agent(client):
    """A commune agent of Bobigny (guichet unique), logged in."""
    user = make_user(Role.COMMUNE_AGENT, Level.COMMUNE, "93008")
    client.force_login(user)
    return user
