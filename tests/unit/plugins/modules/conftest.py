# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the keystone_* module tests: a fake Keystone behind OpenStackModule.session."""

from __future__ import annotations

import pytest

from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import (
    FakeKeystone, install_session, run_module)


@pytest.fixture
def keystone(monkeypatch):
    """An empty Identity v3 (the Default domain only) that every OpenStackModule talks to."""
    fake = FakeKeystone()
    install_session(monkeypatch, fake)
    yield fake
    assert fake.unexpected == [], "requests the fake Keystone does not know"


@pytest.fixture
def run(monkeypatch, keystone):
    """run(module, params, check_mode=False, diff=False) -> result (failed=True when it failed)."""

    def runner(module, params, check_mode=False, diff=False):
        return run_module(monkeypatch, module, params, check_mode=check_mode, diff=diff)

    return runner
