"""Docstring examples of the emulator's public modules run as written."""

import doctest
from types import ModuleType

import pytest

import agent_fleet_dev.emulator
import agent_fleet_dev.emulator.emulator


@pytest.mark.parametrize(
    "module",
    [
        pytest.param(agent_fleet_dev.emulator, id="package"),
        pytest.param(agent_fleet_dev.emulator.emulator, id="emulator"),
    ],
)
def test_docs_examples_run(module: ModuleType) -> None:
    """Every example in the module's docstrings runs and prints what it shows."""
    results = doctest.testmod(module, verbose=False)

    assert results.attempted > 0
    assert results.failed == 0
