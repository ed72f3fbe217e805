"""The staff panel's booking side: schedules and appointments
(``schedule``), and the people pages whose access depends on bookings
(``people``: accounts, clients), and the messages to clients
(``notifications``). Every "may they" is asked of ``bookings.policies``."""

from bookings.admin import calendar, notifications, people, schedule  # noqa: F401  (registers the pages)
