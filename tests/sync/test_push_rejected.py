"""A push the remote refuses is reported as one line with a non-zero exit, and nothing is lost.

Two real ways a push gets refused: the remote moved on between our fetch and our push (a
teammate's push lands while ours is on its way: made to happen by a `pre-push` hook in
our clone that pushes from a third clone first), and a server-side `pre-receive` hook.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .conftest import AUDIT, RESOURCES, STORAGE, Team, assert_one_line_error, console, git, run


def _hook(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def test_remote_moving_between_fetch_and_push_is_reported_and_recovered(team: Team, tmp_path: Path):
    third = tmp_path / "c"
    assert team.cli("clone", str(team.hub), str(third), cwd=tmp_path).code == 0
    team.answer(third, STORAGE, "MLflow, pushed by a teammate mid-sync.")
    team.answer(team.a, AUDIT, "Quarterly audit.")
    # The teammate's push lands after our fetch and before our push reaches the remote.
    marker = tmp_path / "teammate-pushed"
    _hook(team.a / ".git" / "hooks" / "pre-push", f"""
if [ ! -e '{marker}' ]; then
    touch '{marker}'
    unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX
    cd '{third}' && git push --quiet origin HEAD:refs/heads/main >&2 || exit 1
fi
exit 0
""")
    before = git(team.a, "rev-parse", "HEAD")

    outcome = team.sync(team.a, ok=False)

    line = assert_one_line_error(outcome)
    assert marker.exists()
    assert "rejected" in line and "someone pushed meanwhile" in line and "run sync again" in line
    assert git(team.a, "rev-parse", "HEAD") == before  # our commit is still here
    assert "Quarterly audit." not in git(team.hub, "log", "-p", "main")
    assert git(team.a, "status", "--porcelain") == ""

    again = team.sync(team.a)  # the hook lets it through now

    assert "fetched 1 commit(s); merged by question; pushed" in again.out
    team.sync(team.b)
    for side in (team.a, team.b):
        assert "Quarterly audit." in (side / "answers/modeling.toml").read_text()
        assert "mid-sync" in (side / "answers/modeling.toml").read_text()
    team.assert_nothing_lost(third)


def test_push_declined_by_the_server_is_one_line_and_exits_non_zero(team: Team):
    hook = team.hub / "hooks" / "pre-receive"
    _hook(hook, "echo 'remote: pushes are closed for the release review' >&2\nexit 1\n")
    team.answer(team.a, RESOURCES, "Two data engineers.")

    outcome = console("sync", cwd=team.a, timeout=60, stdin=b"")  # a real process, its real exit code

    line = assert_one_line_error(outcome)
    assert outcome.code == 1
    assert "rejected" in line and "pre-receive hook declined" in line and "your work is kept here" in line
    assert "someone pushed" not in line  # not a race: it would not help to sync again
    assert "Two data engineers." in git(team.a, "log", "-p", "-1")
    assert "Two data engineers." not in git(team.hub, "log", "-p", "--all")

    os.remove(hook)
    assert "pushed" in team.sync(team.a).out
    team.sync(team.b)
    assert "Two data engineers." in (team.b / "answers/scoping.toml").read_text()
    team.assert_nothing_lost()


def test_a_rejected_plain_git_push_is_git_s_own_business_but_sync_recovers(team: Team):
    """A teammate pushed first: plain `git push` is refused by git; `mlreq sync` merges and pushes."""
    team.answer(team.b, AUDIT, "Pushed first by b.")
    team.sync(team.b)
    team.answer(team.a, STORAGE, "Pushed second by a.")

    refused = run(team.a, "git", "push")

    assert refused.returncode != 0 and "rejected" in refused.stderr
    assert "merged by question; pushed" in team.sync(team.a).out
    team.sync(team.b)
    team.assert_nothing_lost()


def test_a_hung_post_merge_hook_is_stopped_and_the_merge_it_followed_is_reported_as_made(
    team: Team, monkeypatch
):
    team.answer(team.b, STORAGE, "MLflow on the shared server.")
    team.sync(team.b)
    team.answer(team.a, AUDIT, "Quarterly audit.")
    _hook(team.a / ".git" / "hooks" / "post-merge", "sleep 60\n")
    monkeypatch.setenv("MLREQ_GIT_TIMEOUT", "2")

    outcome = team.sync(team.a)  # the merge stands: saying "nothing was changed" would be false

    assert "fetched 1 commit(s); merged by question; pushed" in outcome.out
    assert "warning: the merge was made, then git said: git merge timed out" in outcome.out
    assert "MLflow on the shared server." in (team.a / "answers/modeling.toml").read_text()
    assert git(team.a, "status", "--porcelain") == ""
    team.sync(team.b)
    assert "Quarterly audit." in (team.b / "answers/modeling.toml").read_text()
    team.assert_nothing_lost()
