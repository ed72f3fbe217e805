"""The import contract (``.importlinter``) holds, and would catch a back-arrow."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT), "--config", str(tree / ".importlinter"), "--no-cache"],
        cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the project's packages and contract to break."""
    for package in ("clinic", "bookings", "treatments"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def test_the_project_keeps_its_contracts():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "back_arrow", "contract"),
    [
        ("clinic/rest.py", "from bookings import errors", "The shared base"),
        ("clinic/models.py", "import treatments.models", "The shared base"),
        ("bookings/models.py", "from bookings import services", "Inside each app"),
        ("bookings/selectors.py", "from bookings import policies", "Inside each app"),
        ("bookings/services.py", "from bookings import api", "Inside each app"),
        ("bookings/availability.py", "from django.db import models", "The availability engine is pure"),
        ("bookings/services.py", "from treatments import api", "The catalogue sits below the booking core"),
        ("treatments/api/catalogue.py", "from clinic import urls", "The apps never import the project wiring"),
        ("bookings/services.py", "from treatments.models import records", "The booking core never imports the clinical records"),
        ("bookings/policies.py", "from treatments import policies", "The booking core never imports the clinical records"),
        ("treatments/models/records.py", "from bookings import models", "Treatment models never import the booking core"),
    ],
)
def test_a_back_arrow_breaks_the_build(tree, module, back_arrow, contract):
    with (tree / module).open("a") as source:
        source.write(f"\n{back_arrow}  # noqa\n")
    result = lint(tree)
    assert result.returncode != 0
    report = " ".join(result.stdout.split())
    assert "Broken contracts" in report, result.stdout
    assert contract in report.split("Broken contracts", 1)[1], result.stdout
