"""The client's pages, at the site's root: the links in messages, the home
page and the booking flow (``views.booking``), the manage link
(``views.managing``) and the client's account (``views.account``)."""

from django.urls import path

from bookings.views import account, booking, managing, replies

urlpatterns = [
    # Links in clients' messages: confirm or cancel (the pain check-in's
    # page is the records', routed in clinic/urls.py).
    path("r/<str:token>/", replies.reply, name="reply"),
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
    # -- The client's account (bookings/views/account.py) ----------------------------
    path("account/", account.my_bookings, name="account"),
    path("account/sign-up/", account.sign_up, name="account_sign_up"),
    path("account/sign-in/", account.sign_in, name="account_sign_in"),
    path("account/sign-in/code/", account.code_request, name="account_code_request"),
    path("account/sign-in/code/enter/", account.code_enter, name="account_code_enter"),
    path("account/sign-out/", account.sign_out, name="account_sign_out"),
    path("account/password-reset/", account.PasswordResetView.as_view(), name="account_password_reset"),
    path("account/password-reset/sent/", account.PasswordResetSentView.as_view(), name="account_password_reset_sent"),
    path("account/reset/<uidb64>/<token>/", account.PasswordResetConfirmView.as_view(),
         name="account_password_reset_confirm"),
    path("account/reset/done/", account.PasswordResetCompleteView.as_view(), name="account_password_reset_complete"),
    path("account/profile/", account.profile, name="account_profile"),
    path("account/bookings/<int:pk>/cancel/", account.cancel, name="account_cancel"),
    # The home-care routines and the record's access log are the records'
    # pages (treatments.views), routed in clinic/urls.py.
    # -- end of the client's account ---------------------------------------------------
]
