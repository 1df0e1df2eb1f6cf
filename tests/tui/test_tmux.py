"""The real `mlreq` in a real terminal (tmux): type an answer, see it saved, quit, find the commit.

This is how a facilitator runs it in a workshop (journey 1): a shared tmux screen, keys
only. Once with TERM=xterm (16 colours) and once with NO_COLOR set.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from mlreq.projects import Project
from tui_helpers import Tmux, git_status, head_trailers, log

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

MLREQ = Path(sys.executable).parent / "mlreq"
FIRST = "scoping.business-problems"
ANSWER = "Drivers report broken chargers before we notice"


def mlreq_argv(*args: str) -> list[str]:
    """The installed console script, as a user runs it (or the module if not installed)."""
    return [str(MLREQ), *args] if MLREQ.exists() else [sys.executable, "-m", "mlreq", *args]


def environment() -> dict[str, str]:
    """The test's isolated HOME and git config (from the autouse fixture), no author override."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_AUTHOR", "GIT_COMMITTER"))}
    env.pop("MLREQ_AUTHOR", None)
    env.pop("NO_COLOR", None)
    env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
    return env


def _grey(sgr: str) -> bool:
    """Whether an SGR colour (`38;5;N`, `48;2;R;G;B`) is a shade of grey."""
    parts = [int(p) for p in sgr.split(";")[2:]]
    if len(parts) == 3:
        return parts[0] == parts[1] == parts[2]
    return parts[0] in GREYS_256


GREYS_256 = {0, 7, 8, 15, 16, 59, 102, 145, 188, 231, *range(232, 256)}


@pytest.mark.parametrize(
    "terminal",
    [{"TERM": "xterm"}, {"TERM": "xterm-256color", "NO_COLOR": "1"}],
    ids=["TERM=xterm", "NO_COLOR"],
)
def test_type_an_answer_in_tmux_and_quit(fresh: Project, tmp_path: Path, terminal: dict[str, str]) -> None:
    with Tmux(tmp_path, mlreq_argv(str(fresh.root)), env=environment(), inner_env=terminal) as tmux:
        assert tmux.wait_for("Answer"), tmux.capture()
        first = tmux.capture()
        assert "What are the business problems?" in first
        assert "Scoping 0/8" in first
        assert "Quit" in first  # the Footer shows the keys
        tmux.type(ANSWER)
        assert tmux.wait_for("committed"), tmux.capture()  # the real 2 s autosave
        screen = tmux.capture()
        assert all(word in screen for word in ANSWER.split()), screen  # soft-wrapped in the box
        assert "saved" in screen
        assert "Scoping 1/8" in screen
        assert "◐" in screen  # the marker turned draft
        if "NO_COLOR" in terminal:
            styled = tmux.tmux("capture-pane", "-p", "-e", "-t", "mlreq").stdout
            colours = set(re.findall(r"\x1b\[[0-9;]*?((?:38|48);(?:5;\d+|2;\d+;\d+;\d+))", styled))
            # Textual honours NO_COLOR by drawing in greys; the state markers carry the meaning.
            assert colours, "no styling captured: the check below would prove nothing"
            hues = [c for c in colours if not _grey(c)]
            assert not hues, f"NO_COLOR is set but the app drew colours: {hues[:5]}"
        tmux.keys("C-q")
        assert tmux.wait_exit(), tmux.capture()
    assert log(fresh.root)[:2] == ["Test Person", f"Answer {FIRST}"]
    assert head_trailers(fresh.root) == [FIRST]
    assert Project.open(fresh.root).entry(FIRST).answer == ANSWER
    assert git_status(fresh.root) == ""
