"""The treatments app's staff-panel pages, a module per topic."""

from treatments.admin import catalogue, notes  # noqa: F401  (registers the pages)
