from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ClinicConfig(AppConfig):
    default = True
    name = "clinic"
    verbose_name = "People and places"


class ClinicAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with the clinic's site (``clinic.admin_site``)."""

    default = False  # ClinicConfig is this module's app; this one is named in INSTALLED_APPS
    default_site = "clinic.admin_site.ClinicAdminSite"
