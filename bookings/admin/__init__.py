"""The staff panel's booking side: schedules and appointments
(``schedule``), the calendar (``calendar``), and the people pages whose
access depends on bookings (``people``: accounts, clients), the messages
to clients (``notifications``) and the managers' reports (``reports``).
Every "may they" is asked of ``bookings.policies``."""

from bookings.admin import calendar, notifications, people, reports, schedule  # noqa: F401  (registers the pages)
