"""Shared pytest configuration."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "prove: runs snarkVM's prover (seconds per test); deselect with -m 'not prove'")
    config.addinivalue_line("markers", "slow: large proofs and benchmarks-sized checks, excluded by default (run with -m slow)")
