# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make the working tree importable as ``ansible_collections.lab.openstack``.

The repository root is the collection root. scripts/common.sh links it as
.cache/collections/ansible_collections/lab/openstack; a fresh clone has no such link,
so it is created here (the same link, pointing to this checkout) before any test
module imports the collection. The ``ansible_collections`` package is a PEP 420
namespace package (ansible installs one in site-packages): the .cache portion merges
with it, no ``__init__.py`` is needed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def _collections_root():
    # A checkout that already sits at ansible_collections/lab/openstack (ansible-test's copy)
    # is importable from the directory holding its ansible_collections.
    if REPO_ROOT.parent.name == "lab" and REPO_ROOT.parent.parent.name == "ansible_collections":
        return REPO_ROOT.parents[2]
    root = REPO_ROOT / ".cache" / "collections"
    link = root / "ansible_collections" / "lab" / "openstack"
    if link.resolve() != REPO_ROOT:
        if link.is_symlink():
            link.unlink()  # dangling, or left by a checkout that has moved
        elif link.exists():
            raise RuntimeError("%s exists and is not a link to %s; remove it" % (link, REPO_ROOT))
        link.parent.mkdir(parents=True, exist_ok=True)
        try:
            link.symlink_to(REPO_ROOT, target_is_directory=True)
        except FileExistsError:  # another test run created it meanwhile
            pass
    return root


COLLECTIONS_ROOT = _collections_root()
if sys.path[:1] != [str(COLLECTIONS_ROOT)]:
    sys.path.insert(0, str(COLLECTIONS_ROOT))


@pytest.fixture(scope="session")
def collections_root():
    """The directory to give ansible as a collections path (it holds ansible_collections/)."""
    return COLLECTIONS_ROOT


@pytest.fixture(autouse=True)
def sleeps(monkeypatch):
    """The delays module_utils.openstack waits between tries, recorded instead of slept."""
    from ansible_collections.lab.openstack.plugins.module_utils import openstack

    slept = []
    monkeypatch.setattr(openstack.time, "sleep", slept.append)
    return slept
