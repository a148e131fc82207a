"""The days of a child's care as one number: bit ``2 * day + half`` per half-day.

Monday is day 0, the morning half 0 and the afternoon half 1; ``lu|ma|je`` (whole days) and
``me-matin`` (a half-day) are how files and pages write it. The allocation engine counts places
per half-day slot with the same bits, so an enrolment or a need goes to it as it is stored.
"""

from datetime import time

DAY_NAMES = ("lu", "ma", "me", "je", "ve")
DAY_LABELS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi")
HALVES = {"": 3, "-matin": 1, "-apres-midi": 2}
HALF_LABELS = {1: "matin", 2: "après-midi"}
SEPARATOR = "|"
ALL_DAYS = (1 << (2 * len(DAY_NAMES))) - 1


def parse(text: str) -> int:
    """``lu|ma|me-matin`` → bits; empty text: the whole week. Raises ValueError (French)."""
    mask = 0
    for token in (t.strip().lower() for t in (text or "").split(SEPARATOR)):
        if not token:
            continue
        day, dash, half = token.partition("-")
        suffix = f"{dash}{half}"
        if day not in DAY_NAMES or suffix not in HALVES:
            raise ValueError(
                f"jour « {token} » inconnu ({', '.join(DAY_NAMES)}, éventuellement suivi de "
                "-matin ou -apres-midi, séparés par « | »)"
            )
        mask |= HALVES[suffix] << (2 * DAY_NAMES.index(day))
    return mask or ALL_DAYS


NOON = time(13, 0)


def from_weekdays(weekdays, starts_at: time | None = None, ends_at: time | None = None) -> int:
    """Days from weekday numbers (0 = Monday) and hours, as the pré-demande stores them: a
    need ending by 13:00 is a morning, one starting from 13:00 an afternoon. Weekend days are
    ignored (no EAJE allocates them) and no day means the whole week."""
    half = 3
    if ends_at is not None and ends_at <= NOON:
        half = 1
    elif starts_at is not None and starts_at >= NOON:
        half = 2
    mask = 0
    for day in weekdays or ():
        if 0 <= int(day) < len(DAY_NAMES):
            mask |= half << (2 * int(day))
    return mask or ALL_DAYS


def written(mask: int) -> str:
    """The file form of ``mask``: ``lu|ma|me-matin``."""
    tokens = []
    for index, name in enumerate(DAY_NAMES):
        half = (mask >> (2 * index)) & 3
        if half:
            tokens.append(name + next(s for s, v in HALVES.items() if v == half))
    return SEPARATOR.join(tokens)


def label(mask: int) -> str:
    """French words for pages: « toute la semaine », « lundi, mardi, mercredi matin »."""
    if mask == ALL_DAYS:
        return "toute la semaine"
    words = []
    for index, name in enumerate(DAY_LABELS):
        half = (mask >> (2 * index)) & 3
        if half:
            words.append(name if half == 3 else f"{name} {HALF_LABELS[half]}")
    return ", ".join(words)


def whole_days(mask: int) -> int:
    """A half-day widened to its whole day, for a structure that counts by the day."""
    days = 0
    for index in range(len(DAY_NAMES)):
        if (mask >> (2 * index)) & 3:
            days |= 3 << (2 * index)
    return days
