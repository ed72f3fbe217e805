"""Reads of the clinical records, with what each read prefetches, so a
record costs a fixed number of queries whatever its length. Who may read
which rows is ``treatments.policies``."""

from __future__ import annotations
