"""Fixtures for every test folder; their code and the shared helpers live in helpers.py."""

from helpers import _demo_template, cli, demo, git_config, no_identity, project, project_dir  # noqa: F401 - fixtures for pytest
from small_disk import disk, on_small_disk  # noqa: F401 - fixtures for pytest
