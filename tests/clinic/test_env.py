"""The key an install makes for itself when DEBUG is on and SECRET_KEY is
unset (``clinic.env.local_secret_key``)."""

from __future__ import annotations

import stat
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured

from clinic.env import local_secret_key


def test_two_installs_make_different_keys(tmp_path):
    first = local_secret_key(tmp_path / "one" / "var" / "secret_key")
    second = local_secret_key(tmp_path / "two" / "var" / "secret_key")
    assert first != second
    assert len(first) >= 50 and len(set(first)) >= 5  # what Django's security check asks of a key


def test_an_install_keeps_its_key(tmp_path):
    path = tmp_path / "var" / "secret_key"
    assert local_secret_key(path) == local_secret_key(path) == path.read_text().strip()


def test_the_key_file_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "var" / "secret_key"
    local_secret_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [entry.name for entry in path.parent.iterdir()] == ["secret_key"]  # no draft left behind


def test_processes_starting_together_share_one_key(tmp_path):
    path = tmp_path / "var" / "secret_key"
    keys, start = [], threading.Barrier(8)

    def start_up():
        start.wait()
        keys.append(local_secret_key(path))

    threads = [threading.Thread(target=start_up) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8 and len(set(keys)) == 1


def test_an_emptied_key_file_stops_start_up(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("")
    with pytest.raises(ImproperlyConfigured, match="delete it"):
        local_secret_key(path)
