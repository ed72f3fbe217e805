"""The client's pages, at the site's root: the links in messages, the home
page and the booking flow (``views.booking``), the manage link
(``views.managing``); the client's account joins them as it comes."""

from django.urls import path

from bookings import views
from bookings.views import booking, managing

urlpatterns = [
    # Links in clients' messages: confirm or cancel (the pain check-in's
    # page is the records', routed in clinic/urls.py).
    path("r/<str:token>/", views.reply, name="reply"),
    path("", booking.home, name="home"),
    path("book/", booking.book, name="book"),
    path("book/slots/", booking.slots_fragment, name="book_slots"),
    path("book/details/", booking.details, name="book_details"),
    path("book/review/", booking.review, name="book_review"),
    path("book/confirm/", booking.confirm, name="book_confirm"),
    path("booking/<str:token>/", managing.manage, name="manage"),
    path("booking/<str:token>/calendar.ics", managing.calendar_file, name="manage_ics"),
    path("booking/<str:token>/cancel/", managing.cancel, name="manage_cancel"),
    path("booking/<str:token>/move/", managing.reschedule, name="manage_reschedule"),
]
