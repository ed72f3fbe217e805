"""The account pages' frame names the studio, as the booking pages do."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/account/sign-in/", "/account/sign-up/", "/account/password-reset/"])
def test_account_pages_name_the_studio_and_its_phone(studio, path):
    studio.location.phone = "+914424340000"
    studio.location.save(update_fields=["phone"])
    page = Client().get(path).content.decode()
    assert f'<a class="brand" href="/">{studio.location.name}</a>' in page
    assert "+914424340000" in page

