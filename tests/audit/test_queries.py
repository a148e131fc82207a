"""Query count of the audit log's search page: the same at two sizes (no query per event),
pinned."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from sdsf.accounts.models import Role
from sdsf.audit.log import record
from sdsf.audit.models import AuditEvent
from tests.factories import make_assistant, make_user
from tests.queries import queries

pytestmark = pytest.mark.django_db


def _events(count: int, agent) -> None:
    request = RequestFactory().get("/")
    request.user = agent
    for _ in range(count):
        record(request, AuditEvent.Action.READ, make_assistant())
        record(request, AuditEvent.Action.EXPORT, [make_assistant(), make_assistant("26362")])


def test_search(client):
    admin = make_user(Role.ADMINISTRATOR)
    client.force_login(admin)
    agent = make_user(Role.PMI_AGENT)
    url = reverse("audit:search")
    _events(3, agent)
    small = queries(client, url)
    _events(12, agent)
    assert (small, queries(client, url, warm=False, shows=agent.email)) == (6, 6)
