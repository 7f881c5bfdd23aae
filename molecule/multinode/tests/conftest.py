"""Fixtures shared by the scenarios (molecule/shared/labtest.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))

from labtest import secrets

__all__ = ["secrets"]  # fixtures: pytest registers what conftest holds
