"""The client's pages, at the site's root: the links in messages (and,
as they come, the booking pages and the client's account)."""

from django.urls import path

from bookings import views

urlpatterns = [
    # Links in clients' messages: confirm or cancel (the pain check-in's
    # page is the records', routed in clinic/urls.py).
    path("r/<str:token>/", views.reply, name="reply"),
]
