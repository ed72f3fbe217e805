"""The benchmarks in ``bench/`` start as the README runs them
(``.venv/bin/python bench/<name>.py``) and print their verdict line.

Run as a script, a file's own folder comes first on Python's path, and
``bench/calendar.py`` then stands in for the standard library's
``calendar``, which the email and http packages import: every script
there must take its folder off the path before anything else. Each runs
once here (``BENCH_RUNS=1``) on its own SQLite file under ``var/``, never
on the test database. The benches that need PostgreSQL or start servers
(``booking.py``, ``signin.py``, ``reminders.py``) share the same first
lines; ``test_every_script_leaves_its_folder_off_the_path`` holds them to it.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
# Those that run in seconds on the embedded database, and what each must print: its verdict, its floors.
QUICK = {"availability.py": ("the target of 1.5", "floor: the view's frame alone"),
         "calendar.py": ("the target of 2.0", "with Django's middleware only"), "pages.py": ("page/API",)}


def scripts() -> list[Path]:
    return sorted(path for path in BENCH.glob("*.py") if '__name__ == "__main__"' in path.read_text())


def test_the_quick_benches_run_to_their_verdict_from_the_command_line():
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update(BENCH_RUNS="1", DJANGO_SETTINGS_MODULE="clinic.settings.base")
    running = {
        name: subprocess.Popen([sys.executable, str(BENCH / name)], cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for name in QUICK
    }
    for name, process in running.items():
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, f"bench/{name} failed:\n{output[-3000:]}"
        for line in QUICK[name]:
            assert line in output, f"bench/{name} did not print {line!r}:\n{output[-3000:]}"


@pytest.mark.parametrize("script", scripts(), ids=lambda path: path.name)
def test_every_script_leaves_its_folder_off_the_path(script):
    """Before its first import of anything but ``sys`` and ``pathlib``, the
    script rewrites ``sys.path`` without its own folder."""
    body = ast.parse(script.read_text()).body
    for statement in body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # the docstring
        if isinstance(statement, ast.ImportFrom) and statement.module in ("__future__", "pathlib"):
            continue
        if isinstance(statement, ast.Import) and [alias.name for alias in statement.names] == ["sys"]:
            continue
        if isinstance(statement, ast.Assign) and ast.unparse(statement.targets[0]) in ("(HERE, ROOT)", "HERE, ROOT"):
            continue
        assert ast.unparse(statement).startswith("sys.path[:] = "), (
            f"{script.name}: '{ast.unparse(statement)[:80]}' comes before the path leaves out bench/")
        break
    else:
        pytest.fail(f"{script.name} never sets sys.path")
