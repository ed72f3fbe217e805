"""The treatments app's API, a module per topic: the catalogue and the
client's home care (``catalogue``), and the clinical records (``intake``:
the questionnaire, its re-check, and flags; ``records``: the access log)."""

from treatments.api.catalogue import HomeCareList, PractitionerList, ServiceList
from treatments.api.intake import ClientFlagsView, ClientIntakeView, MyIntakeView, MyRecheckView
from treatments.api.notes import AmendNoteView, AppointmentNoteView, PractitionerTodayView, SignNoteView
from treatments.api.records import RecordAccessList

__all__ = [
    "AmendNoteView", "AppointmentNoteView", "ClientFlagsView", "ClientIntakeView", "HomeCareList", "MyIntakeView",
    "MyRecheckView", "PractitionerList", "PractitionerTodayView", "RecordAccessList", "ServiceList", "SignNoteView",
]
