"""A form.toml with escape sequences, opened in the real app in a real terminal (tmux).

Stage and role names and question texts from a remote reach the question list, the
question's heading, the role picker and the progress screen; an OSC 2 in them would
retitle the terminal, a CSI 2J clear it. tmux interprets what the app writes, so the
pane's title and contents show whether any sequence got through raw.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hostile.test_escapes import plant_escapes
from mlreq.projects import Project
from test_tmux import environment, mlreq_argv
from tui_helpers import Tmux

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def test_escapes_in_the_form_are_shown_not_obeyed(fresh: Project, tmp_path: Path) -> None:
    plant_escapes(fresh.root)
    with Tmux(tmp_path, mlreq_argv(str(fresh.root)), env=environment(), size=(140, 40)) as tmux:
        assert tmux.wait_for("Answer"), tmux.capture()
        screens = {"form": tmux.capture()}
        tmux.keys("C-f")  # the role picker
        assert tmux.wait_for("Show the questions for one role"), tmux.capture()
        screens["roles"] = tmux.capture()
        tmux.keys("Escape")
        assert tmux.wait_for("Answer"), tmux.capture()
        tmux.keys("F2")  # the progress screen
        assert tmux.wait_for("Open"), tmux.capture()
        screens["progress"] = tmux.capture()
        title = tmux.tmux("display-message", "-p", "-t", "mlreq", "#{pane_title}").stdout
        tmux.keys("Escape", "C-q")
        tmux.wait_exit()

    assert "PWNED" not in title, title
    assert "Data␛[2J" in screens["form"], screens["form"]
    assert "Business␛[2J" in screens["roles"], screens["roles"]
    assert "Data␛[2J" in screens["progress"], screens["progress"]
