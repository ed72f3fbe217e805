"""The staff panel's booking side: schedules and appointments
(``schedule``), and the people pages whose access depends on bookings
(``people``: accounts, clients). Every "may they" is asked of
``bookings.policies``."""

from bookings.admin import people, schedule  # noqa: F401  (registers the pages)
