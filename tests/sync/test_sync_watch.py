"""Issue 15 item 4: `mlreq sync --watch` keeps two sites in step until Ctrl+C.

The watcher is the real `mlreq` in a subprocess on clone `b`; clone `a` answers and syncs
in-process. Lines are read as the watcher prints them, with a deadline, never a sleep.
"""

from __future__ import annotations

import selectors
import signal
import subprocess
import sys
import time

from .conftest import AUDIT, RESOURCES, Team, hub_log


def _line_with(process: subprocess.Popen, wanted: str, timeout: float = 30) -> str:
    """The first line of the watcher's output holding `wanted` (all it printed if none)."""
    seen: list[str] = []
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if selector.select(timeout=deadline - time.monotonic()):
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            if wanted in line:
                return line
    return "".join(seen)


def test_watch_merges_the_other_sites_answers_pushes_its_own_and_stops_on_ctrl_c(team: Team) -> None:
    team.answer(team.a, RESOURCES, "two GPUs, from site a")
    team.sync(team.a)
    watcher = subprocess.Popen(
        [sys.executable, "-m", "mlreq", "sync", "--watch", "--every", "0.2"],
        cwd=team.b, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert "Ctrl+C stops" in _line_with(watcher, "Ctrl+C stops")
        assert "fetched 1 commit(s)" in _line_with(watcher, "fetched")  # a's answer, merged here
        assert team.show(team.b, RESOURCES)["answer"] == "two GPUs, from site a"
        team.answer(team.b, AUDIT, "audited monthly, from site b")  # committed here: b is ahead
        assert "pushed" in _line_with(watcher, "pushed")
        assert "audited monthly, from site b" in hub_log(team.hub)
        watcher.send_signal(signal.SIGINT)
        out, err = watcher.communicate(timeout=30)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.communicate()
    assert watcher.returncode == 0, err
    assert out.strip().endswith("stopped watching") and "Traceback" not in err
    team.assert_nothing_lost()


def test_watch_needs_a_remote(cli, tmp_path) -> None:
    from mlreq.projects import create_project

    create_project(tmp_path / "p", name="No remote")
    outcome = cli("sync", "--watch", "--project", tmp_path / "p")
    assert outcome.code == 1 and "no remote set" in outcome.err
