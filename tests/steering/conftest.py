from pathlib import Path

import pytest
from django.conf import settings

from sdsf.steering.models import Scheme
from sdsf.steering.planio import import_plan

PLANS = Path(settings.DATA_DIR) / "plans"
SSD_PLAN = PLANS / "93_sdpep_2020-2024.json"
DROME_PLAN = PLANS / "26_sdsf_2020-2024.json"


def load(path: Path) -> Scheme:
    scheme_id, _ = import_plan(path.read_text(encoding="utf-8"), path.name)
    return Scheme.objects.get(pk=scheme_id)


@pytest.fixture
def ssd(db) -> Scheme:
    return load(SSD_PLAN)


@pytest.fixture
def drome(db) -> Scheme:
    return load(DROME_PLAN)
