"""The demo project, built once per session for the flag tests (a copy per test)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlreq.projects import Project


@pytest.fixture(scope="session")
def _flags_demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mlreq.projects.demo import ensure_demo

    home = tmp_path_factory.mktemp("flags-demo-home")
    config = home / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n")
    with pytest.MonkeyPatch.context() as mp:
        for name in ("MLREQ_AUTHOR", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                     "GIT_COMMITTER_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "EMAIL"):
            mp.delenv(name, raising=False)
        mp.setenv("HOME", str(home))
        mp.setenv("GIT_CONFIG_GLOBAL", str(config))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        path = tmp_path_factory.mktemp("flags-demo") / "demo"
        ensure_demo(path)
    return path


@pytest.fixture
def demo(_flags_demo_template: Path, tmp_path: Path) -> Project:
    """A private copy of the demo project (a real repository with its history)."""
    path = tmp_path / "demo"
    shutil.copytree(_flags_demo_template, path, symlinks=True)
    return Project.open(path)
