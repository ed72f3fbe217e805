"""What the intake tests share: a way to give a client answers, and the
shipped rules by name."""

from __future__ import annotations

import pytest

from treatments.models import ContraindicationRule
from treatments.services.intake import record_intake

FEVER = "Fever: no treatment today"
SKIN = "Skin condition or infection: no treatment"
PAIN = "Significant pain: a doctor first"
INJURY = "Recent injury or surgery: keep off the area"
PREGNANCY_POINTS = "Pregnancy: points to leave alone"
PREGNANCY_POSITION = "Pregnancy: position and pressure"
THINNERS = "Blood thinners: lighter pressure"
OSTEOPOROSIS = "Osteoporosis: gentle pressure"
THROMBOSIS = "Thrombosis: a doctor's clearance"
CLOT = "Blood clot: a doctor's clearance"


def rule(name: str) -> ContraindicationRule:
    return ContraindicationRule.objects.get(name=name)


@pytest.fixture
def answer(manager):
    """``answer(client, **answers)`` saves a questionnaire for ``client``, as a manager typing a paper form."""

    def give(client, **answers):
        return record_intake(actor=manager, client=client, consent_method="paper", consent_text_version="2026-01",
                             **answers)

    return give
