"""The treatments app's staff-panel pages, a module per topic."""

from treatments.admin import catalogue, intake, notes, records  # noqa: F401  (registers the pages)
