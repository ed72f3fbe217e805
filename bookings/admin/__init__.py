"""The staff panel's booking side: schedules and appointments
(``schedule``), and the people pages whose access depends on bookings
(``people``: accounts, clients), the messages to clients
(``notifications``), the managers' reports (``reports``), the panel's home
page (``home``) and the front desk's own pages (``front_desk``). Every
"may they" is asked of ``bookings.policies``."""

from bookings.admin import front_desk, home, notifications, people, reports, schedule  # noqa: F401  (registers the pages)
