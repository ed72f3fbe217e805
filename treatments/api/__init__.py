"""The treatments app's API, a module per topic: the catalogue and the
client's home care (``catalogue``), and the clinical records (``records``)."""

from treatments.api.catalogue import HomeCareList, PractitionerList, ServiceList
from treatments.api.records import RecordAccessList

__all__ = ["HomeCareList", "PractitionerList", "RecordAccessList", "ServiceList"]
