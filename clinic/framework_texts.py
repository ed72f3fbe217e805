"""Messages that Django REST framework, simplejwt and phonenumber-field
write in English and ship no Tamil for, as a client of the API meets them;
and the texts of Django itself its Tamil catalogue lacks (the short day
names the booking pages' day buttons show: ``date:"D"``; the password
rules, fields and refusals of the account pages' sign-up and new-password
forms).

Nothing imports this module: it is here so that ``make messages`` extracts
these strings into the project catalogue (``locale/``). gettext looks a
message up by its text, so the framework's own ``_("This field is
required.")`` finds the translation kept there. ``tests/i18n`` checks that
each text is still one the installed framework writes.
"""

from django.utils.translation import gettext_noop, ngettext_lazy, pgettext_lazy

DRF = [
    # fields
    gettext_noop("This field is required."),
    gettext_noop("This field may not be null."),
    gettext_noop("This field may not be blank."),
    gettext_noop("Not a valid string."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Ensure this field has no more than {max_length} characters."),
    gettext_noop("Ensure this field has at least {min_length} characters."),
    gettext_noop("A valid integer is required."),
    gettext_noop("A valid number is required."),
    gettext_noop("Ensure this value is less than or equal to {max_value}."),
    gettext_noop("Ensure this value is greater than or equal to {min_value}."),
    gettext_noop('"{input}" is not a valid choice.'),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Date has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Datetime has wrong format. Use one of these formats instead: {format}."),
    gettext_noop('Invalid pk "{pk_value}" - object does not exist.'),
    gettext_noop('Expected a list of items but got type "{input_type}".'),
    gettext_noop("This list may not be empty."),
    gettext_noop("Invalid data. Expected a dictionary, but got {datatype}."),
    # requests
    gettext_noop("Authentication credentials were not provided."),
    gettext_noop("Incorrect authentication credentials."),
    gettext_noop("You do not have permission to perform this action."),
    gettext_noop("Not found."),
    gettext_noop('Method "{method}" not allowed.'),
    gettext_noop('Unsupported media type "{media_type}" in request.'),
    gettext_noop("Request was throttled."),
    gettext_noop("Invalid page."),
]

SIMPLEJWT = [
    gettext_noop("No active account found with the given credentials"),
    gettext_noop("Given token not valid for any token type"),
    gettext_noop("Token is invalid or expired"),
    gettext_noop("Token is invalid"),
    gettext_noop("Token is expired"),
    gettext_noop("Token is blacklisted"),
    gettext_noop("User is inactive"),
]

PHONENUMBER_FIELD = [
    gettext_noop("Enter a valid phone number."),
]

# The form field's own message, with a context (the booking pages' details
# step meets it); tests/bookings/pages/test_tamil.py sees it in Tamil.
PHONENUMBER_FORM_FIELD = [
    pgettext_lazy("{example_number} is a national phone number.",
                  "Enter a valid phone number (e.g. {example_number}) or a number with an international call prefix."),
]

# django.utils.dates.WEEKDAYS_ABBR: Django's Tamil has the full day and month
# names and the short month names, not these.
DJANGO_DATES = [
    gettext_noop("Mon"),
    gettext_noop("Tue"),
    gettext_noop("Wed"),
    gettext_noop("Thu"),
    gettext_noop("Fri"),
    gettext_noop("Sat"),
    gettext_noop("Sun"),
]


# django.contrib.auth: the password rules shown beside a new password on the
# account pages (sign-up, the reset's new password), and its refusals.
DJANGO_AUTH = [
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    gettext_noop("This password is too common."),
    gettext_noop("This password is entirely numeric."),
    gettext_noop("New password"),
    gettext_noop("New password confirmation"),
    gettext_noop("Enter the same password as before, for verification."),
    gettext_noop("The two password fields didn’t match."),
]
DJANGO_AUTH_COUNTED = [
    ngettext_lazy("Your password must contain at least %(min_length)d character.",
                  "Your password must contain at least %(min_length)d characters.", "min_length"),
    ngettext_lazy("This password is too short. It must contain at least %d character.",
                  "This password is too short. It must contain at least %d characters.", "min_length"),
]
