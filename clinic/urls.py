from django.contrib import admin
from django.urls import include, path

from clinic.health import healthz


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("clinic.api_urls", "api"), namespace="api")),
]

handler404 = "clinic.views.not_found"
handler500 = "clinic.views.server_error"
