"""A child's days as bits: the file form, the pré-demande's weekdays and hours, the labels."""

from datetime import time

import pytest

from sdsf.offer import days


def test_file_form_round_trips():
    mask = days.parse("lu|ma|me-matin|ve-apres-midi")
    assert days.written(mask) == "lu|ma|me-matin|ve-apres-midi"
    assert days.label(mask) == "lundi, mardi, mercredi matin, vendredi après-midi"
    assert days.parse("") == days.ALL_DAYS
    assert days.label(days.ALL_DAYS) == "toute la semaine"


def test_unknown_day_is_refused_in_french():
    with pytest.raises(ValueError, match="jour « sa » inconnu"):
        days.parse("lu|sa")


def test_pre_application_weekdays_and_hours():
    assert days.from_weekdays([0, 1, 5]) == days.parse("lu|ma")  # Saturday ignored
    assert days.from_weekdays([]) == days.ALL_DAYS
    assert days.from_weekdays([2], ends_at=time(12, 0)) == days.parse("me-matin")
    assert days.from_weekdays([2], starts_at=time(13, 30)) == days.parse("me-apres-midi")
    assert days.whole_days(days.parse("me-matin")) == days.parse("me")
