"""The sync fixtures (a bare hub and two real clones), for the requirements' merge tests."""

from sync.conftest import solo, team  # noqa: F401 - fixtures for pytest
