from decimal import Decimal

import factory

from treatments.models import Service


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"Test treatment {n}")
    slug = factory.Sequence(lambda n: f"test-treatment-{n}")
    category = Service.Category.BACK_MASSAGE
    duration_minutes = 60
    buffer_minutes = 15
    price = Decimal("1500.00")
    description = "A treatment made for tests."
