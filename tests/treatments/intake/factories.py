"""Factories for the intake records: versions, rules and clearances."""

from __future__ import annotations

from datetime import date, timedelta

import factory
from django.utils import timezone

from tests.clinic.factories import ClientFactory, UserFactory
from treatments.models import Clearance, ConsentMethod, ContraindicationRule, FlagTier, Intake, IntakeAnswer


class IntakeFactory(factory.django.DjangoModelFactory):
    """A version written straight to the table (the service numbers real
    ones): for tests that need many clients' intakes fast."""

    class Meta:
        model = Intake

    client = factory.SubFactory(ClientFactory)
    version = 1
    consent_given_at = factory.LazyFunction(timezone.now)
    consent_method = ConsentMethod.PAPER
    consent_text_version = "2026-01"


class RuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContraindicationRule

    name = factory.Sequence(lambda n: f"Test rule {n}")
    answer = IntakeAnswer.FEVER
    tier = FlagTier.ADAPT
    advice = "Go gently."


class ClearanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clearance

    client = factory.SubFactory(ClientFactory)
    rule = factory.SubFactory(RuleFactory)
    doctor = "Dr. Test"
    document_reference = "Letter in the client's file"
    issued_on = factory.LazyFunction(lambda: date.today() - timedelta(days=1))
    valid_until = factory.LazyFunction(lambda: date.today() + timedelta(days=30))
    recorded_by = factory.SubFactory(UserFactory)
