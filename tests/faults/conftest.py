import pytest


def pytest_collection_modifyitems(items):
    """Everything in tests/faults is a fault test: ``pytest -m faults`` runs them alone."""
    for item in items:
        if "/tests/faults/" in str(item.fspath):
            item.add_marker(pytest.mark.faults)
