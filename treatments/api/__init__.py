"""The treatments app's API, a module per topic: the catalogue and the
client's home care (``catalogue``), and the clinical records."""

from treatments.api.catalogue import HomeCareList, PractitionerList, ServiceList

__all__ = ["HomeCareList", "PractitionerList", "ServiceList"]
