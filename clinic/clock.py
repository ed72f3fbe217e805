"""Moments as the clocks on a wall show them, in one time zone: read from
what someone typed, and written with the zone, so that nobody takes one
zone's time for another's."""

from __future__ import annotations

from datetime import datetime, tzinfo


def wall_clock(moment: datetime, zone: tzinfo) -> str:
    """``moment`` as clocks in ``zone`` show it, with the zone's abbreviation
    ("Tue 30 Mar 2027, 10:00 BST")."""
    return moment.astimezone(zone).strftime("%a %d %b %Y, %H:%M %Z")


def read_wall_clock(reading: datetime, zone: tzinfo) -> datetime:
    """The moment at which clocks in ``zone`` show the naive ``reading``.

    Raises ``ValueError`` for a reading they skip (the hour lost when summer
    time begins) or show twice (the hour repeated when it ends): either way
    the reading alone does not say which moment is meant."""
    earlier, later = reading.replace(tzinfo=zone, fold=0), reading.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() != later.utcoffset():
        raise ValueError(f"{reading:%H:%M} is not one moment in {zone}")
    return earlier
