"""Money reads the same way in both languages: grouped (₹1,200), Tamil
with India's grouping by lakhs (clinic/formats/ta), as a price or a
report's total is written on the pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

PRICE = Template('₹{{ amount|floatformat:"-2g" }}')


@pytest.mark.parametrize(("language", "amount", "shown"), [
    ("en", Decimal("1200"), "₹1,200"),
    ("ta", Decimal("1200"), "₹1,200"),
    ("ta", Decimal("147000"), "₹1,47,000"),
    ("ta", Decimal("1250.50"), "₹1,250.50"),
])
def test_a_price_is_grouped_in_either_language(language, amount, shown):
    with translation.override(language):
        assert PRICE.render(Context({"amount": amount})) == shown
