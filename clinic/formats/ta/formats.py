"""Tamil as the clinic writes it: Django's own Tamil formats, with numbers
grouped as in India (1,200 and 1,20,000). Django's Tamil leaves grouping
out, so a price read "₹1200" in Tamil and "₹1,200" in English."""

from django.conf.locale.ta.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = (3, 2, 0)
