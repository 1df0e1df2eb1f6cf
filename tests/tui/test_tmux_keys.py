"""Bursts of keys in a real terminal (tmux, 80x24): the workshop typed without pauses.

`tmux send-keys` writes a whole answer and the ctrl+n after it into the terminal at once,
the way a paste, type-ahead or a laggy SSH link delivers them (issue 9, items 1, 2, 3, 4).
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import time
from pathlib import Path

import pytest

from mlreq.projects import Project
from test_tmux import environment, mlreq_argv
from tui_helpers import Tmux, git_status

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def workshop_answer(index: int, question_id: str) -> str:
    """A distinct answer per question, with letters that are list commands (r, t, p, a)."""
    return f"Answer {index} for {question_id}: the team reports parts, tests and a plan."


def wait_idle_on_disk(project: Project, wanted: dict[str, str], timeout: float = 60.0) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        reopened = Project.open(project.root)
        got = {qid: reopened.entry(qid).answer for qid in wanted}
        if got == wanted or time.monotonic() > deadline:
            return got
        time.sleep(0.3)


def test_the_whole_workshop_typed_in_bursts_lands_answer_by_answer(fresh: Project, tmp_path: Path) -> None:
    questions = [q.id for q in fresh.form.questions]
    wanted = {qid: workshop_answer(i + 1, qid) for i, qid in enumerate(questions)}
    with Tmux(tmp_path, mlreq_argv(str(fresh.root)), env=environment()) as tmux:
        assert tmux.wait_for("Answer"), tmux.capture()
        for qid in questions:
            # One write per answer: the text and the ctrl+n right behind it, no pause.
            tmux.tmux("send-keys", "-t", "mlreq", "-l", wanted[qid], ";", "send-keys", "-t", "mlreq", "C-n")
        got = wait_idle_on_disk(fresh, wanted)
        tmux.keys("C-q")
        assert tmux.wait_exit(), tmux.capture()
    wrong = {qid: got[qid] for qid in questions if got[qid] != wanted[qid]}
    assert not wrong, f"{len(wrong)} of {len(questions)} answers are wrong: {wrong}"
    assert git_status(fresh.root) == ""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to read the app's CPU time")
def test_choosing_a_role_from_the_last_question_leaves_the_app_idle(demo: Project, tmp_path: Path) -> None:
    with Tmux(tmp_path, mlreq_argv(str(demo.root)), env=environment()) as tmux:
        assert tmux.wait_for("Answer"), tmux.capture()
        tmux.keys("C-r")  # from the first question back round to the last one
        assert tmux.wait_for("deployment.performance-requirements", timeout=10), tmux.capture()
        tmux.keys("C-f")
        assert tmux.wait_for("Show the questions for one role"), tmux.capture()
        options = tmux.capture()
        rows = [line for line in options.splitlines() if "answered" in line]
        domain = next(i for i, line in enumerate(rows) if "Domain expert" in line)
        tmux.keys("Home", *["Down"] * (domain + 1), "Enter")  # +1: "All roles" is first
        assert tmux.wait_for("Role: Domain expert"), tmux.capture()
        time.sleep(1.0)
        pid = tmux.app_pid()
        before = cpu_seconds(pid)
        time.sleep(2.0)
        spent = cpu_seconds(pid) - before
        screen = tmux.capture()
        tmux.keys("C-q")
        assert tmux.wait_exit(), screen
    # A spinning loop burns the whole 2 s; an idle app polls the disk and blinks a cursor.
    assert spent < 0.5, f"the app used {spent:.2f} s of CPU in 2 s after the filter: it did not settle\n{screen}"


def test_forty_lines_typed_at_80x24_end_on_screen(fresh: Project, tmp_path: Path) -> None:
    with Tmux(tmp_path, mlreq_argv(str(fresh.root)), env=environment()) as tmux:
        assert tmux.wait_for("Answer"), tmux.capture()
        for line in range(40):
            tmux.type(f"line {line:02d} of a long answer")
            tmux.keys("Enter")
        tmux.type("the very end")
        # ~1,000 keys, each handled in order: on a loaded 2-core CI machine that takes a while.
        assert tmux.wait_for("the very end", timeout=90), tmux.capture()
        assert "line 39 of a long answer" in tmux.capture()
        tmux.keys("C-q")
        assert tmux.wait_exit(), tmux.capture()
    answer = Project.open(fresh.root).entry("scoping.business-problems").answer
    assert answer.endswith("line 39 of a long answer\nthe very end")


def test_back_from_editor_started_in_the_list_keys_go_to_the_answer(fresh: Project, tmp_path: Path) -> None:
    script = tmp_path / "fake-editor"
    script.write_text(f"#!{sys.executable}\nimport sys\nopen(sys.argv[-1], 'w').write('written in the editor')\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    env = {**environment(), "VISUAL": str(script), "EDITOR": str(script)}
    with Tmux(tmp_path, mlreq_argv(str(fresh.root)), env=env) as tmux:
        assert tmux.wait_for("Answer"), tmux.capture()
        tmux.keys("Escape")
        assert tmux.wait_for("e or Enter to type"), tmux.capture()
        tmux.keys("F4")
        assert tmux.wait_for("written in the editor"), tmux.capture()
        tmux.keys("C-End")
        tmux.type(" rtp")  # list commands if the list still had the keys
        assert tmux.wait_for("written in the editor rtp"), tmux.capture()
        tmux.keys("C-q")
        assert tmux.wait_exit(), tmux.capture()
    entry = Project.open(fresh.root).entry("scoping.business-problems")
    assert entry.answer == "written in the editor rtp" and entry.status == "draft"
