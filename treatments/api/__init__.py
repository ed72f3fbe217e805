"""The treatments app's API, a module per topic: the catalogue and the
client's home care (``catalogue``), and the clinical records."""

from treatments.api.catalogue import HomeCareList, PractitionerList, ServiceList
from treatments.api.notes import AmendNoteView, AppointmentNoteView, PractitionerTodayView, SignNoteView

__all__ = ["AmendNoteView", "AppointmentNoteView", "HomeCareList", "PractitionerList", "PractitionerTodayView",
           "ServiceList", "SignNoteView"]
