"""Two machines, one bare remote: concurrent edits merge by question through `mlreq sync`.

Side `a` cloned the hub through `file://`, side `b` through its plain path. Every test ends
with `team.assert_nothing_lost()`: each answer typed on either side is in the remote's
history, no file holds conflict markers, and `git fsck` is clean on the hub and both clones.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .conftest import (
    AUDIT,
    NEIGHBOUR_A,
    NEIGHBOUR_B,
    RESOURCES,
    STORAGE,
    Team,
    git,
    hub_log,
    read_answers,
    run,
)


def _entry(side: Path, qid: str) -> dict:
    stage = qid.split(".")[0]
    return read_answers(side / "answers" / f"{stage}.toml")[qid]


def test_clone_sets_up_remote_and_merge_driver(team: Team):
    for side, url in ((team.a, f"file://{team.hub}"), (team.b, str(team.hub))):
        assert git(side, "config", "--get", "remote.origin.url").strip() == url
        assert "-I -m mlreq merge-driver" in git(side, "config", "--get", "merge.mlreq.driver")
        assert git(side, "check-attr", "merge", "--", "answers/scoping.toml").strip().endswith("merge: mlreq")
        assert "answers/*.toml merge=mlreq" in (side / ".gitattributes").read_text()
        shown = team.mlreq(side, "remote", "show").out
        assert url in shown and "0 ahead, 0 behind" in shown
    team.assert_nothing_lost()


def test_edits_to_different_questions_merge_silently(team: Team):
    team.answer(team.a, NEIGHBOUR_A, "The operator owns the telemetry.")
    team.answer(team.b, NEIGHBOUR_B, "About 40 GB a month from 300 chargers.")
    team.answer(team.b, AUDIT, "Quarterly model audit by the data team.")

    first = team.sync(team.a)
    second = team.sync(team.b)
    third = team.sync(team.a)

    assert "pushed" in first.out and "nothing new" in first.out
    assert "fetched 1 commit(s); merged by question; pushed" in second.out
    assert "both sides" not in second.out + third.out
    for side in (team.a, team.b):
        assert _entry(side, NEIGHBOUR_A)["answer"] == "The operator owns the telemetry."
        assert _entry(side, NEIGHBOUR_B)["answer"] == "About 40 GB a month from 300 chargers."
        assert _entry(side, AUDIT)["answer"] == "Quarterly model audit by the data team."
        assert "conflict" not in _entry(side, NEIGHBOUR_A) and "conflict" not in _entry(side, NEIGHBOUR_B)
        assert "Changed on both sides" not in team.mlreq(side, "status").out
        assert git(side, "status", "--porcelain") == ""
    assert git(team.a, "rev-parse", "HEAD") == git(team.b, "rev-parse", "HEAD") == git(team.hub, "rev-parse", "main")
    team.assert_nothing_lost()


def test_same_answer_on_both_sides_is_kept_as_data(team: Team):
    team.answer(team.a, RESOURCES, "Two data engineers for three months.")
    team.answer(team.b, RESOURCES, "One data scientist and a contractor.")
    team.sync(team.a)

    outcome = team.sync(team.b)

    assert "changed on both sides, both versions kept: scoping.resources" in outcome.out
    assert "mlreq resolve" in outcome.out
    entry = _entry(team.b, RESOURCES)
    assert entry["answer"] == "One data scientist and a contractor."  # this side's text stays the answer
    assert entry["conflict"] == "Two data engineers for three months."
    assert entry["status"] == "needs-review"
    status = team.mlreq(team.b, "status").out
    listed = status.split("Changed on both sides", 1)[1].split("\n\n", 1)[0]
    assert RESOURCES in listed
    shown = team.mlreq(team.b, "show", RESOURCES).out
    assert "One data scientist" in shown and "Two data engineers" in shown
    assert git(team.b, "status", "--porcelain") == ""  # the merge was committed, no half-merged state

    team.sync(team.a)  # the other machine sees the same two versions
    assert _entry(team.a, RESOURCES)["conflict"] == "Two data engineers for three months."
    assert RESOURCES in team.mlreq(team.a, "status").out.split("Changed on both sides", 1)[1]
    team.assert_nothing_lost()


@pytest.mark.parametrize(
    "choice, expected",
    [
        (("--theirs",), "Two data engineers for three months."),
        (("--mine",), "One data scientist and a contractor."),
        (("--text", "One data engineer for three months, then a contractor."),
         "One data engineer for three months, then a contractor."),
    ],
)
def test_resolve_settles_the_conflict_on_every_side(team: Team, choice: tuple[str, ...], expected: str):
    team.answer(team.a, RESOURCES, "Two data engineers for three months.")
    team.answer(team.b, RESOURCES, "One data scientist and a contractor.")
    team.sync(team.a)
    team.sync(team.b)
    if choice[0] == "--text":
        team.typed.append(choice[1])

    resolved = team.mlreq(team.b, "resolve", RESOURCES, *choice)

    assert resolved.out.startswith(f"resolved {RESOURCES}")
    entry = _entry(team.b, RESOURCES)
    assert entry["answer"] == expected and entry["status"] == "draft"
    assert "conflict" not in entry and "review" not in entry
    assert "Changed on both sides" not in team.mlreq(team.b, "status").out
    again = team.mlreq(team.b, "resolve", RESOURCES, "--mine", ok=False)
    assert again.code == 2 and "no conflict" in again.err

    team.sync(team.b)
    team.sync(team.a)
    assert _entry(team.a, RESOURCES) == entry
    assert "Changed on both sides" not in team.mlreq(team.a, "status").out
    team.assert_nothing_lost()


def test_an_answer_on_one_side_and_a_status_on_the_other_are_both_kept(team: Team, tmp_path: Path):
    team.answer(team.a, AUDIT, "Yearly audit.")
    team.answer(team.a, STORAGE, "MLflow on the team's server.")
    team.sync(team.a)
    team.sync(team.b)

    base = (team.a / "answers" / "modeling.toml").read_bytes()
    team.answer(team.a, AUDIT, "Quarterly audit by the data team.")
    team.mlreq(team.b, "answer", AUDIT, "--status", "agreed")
    # `status` and `answer` are neighbouring lines: git's line merge alone would conflict here.
    assert _line_merge_conflicts(tmp_path, base, team.a / "answers/modeling.toml", team.b / "answers/modeling.toml")
    team.mlreq(team.a, "answer", STORAGE, "--notes", "ask IT about backups")
    team.typed.append("ask IT about backups")
    team.answer(team.b, STORAGE, "MLflow on the team's server, backed up nightly.")
    team.sync(team.a)
    merged = team.sync(team.b)
    team.sync(team.a)

    assert "both sides" not in merged.out
    for side in (team.a, team.b):
        audit, storage = _entry(side, AUDIT), _entry(side, STORAGE)
        assert (audit["answer"], audit["status"]) == ("Quarterly audit by the data team.", "agreed")
        assert storage["answer"] == "MLflow on the team's server, backed up nightly."
        assert storage["notes"] == "ask IT about backups"
        assert "conflict" not in audit and "conflict" not in storage
    team.assert_nothing_lost()


def _line_merge_conflicts(folder: Path, base: bytes, ours: Path, theirs: Path) -> bool:
    for name, data in (("base", base), ("ours", ours.read_bytes()), ("theirs", theirs.read_bytes())):
        (folder / name).write_bytes(data)
    textual = subprocess.run(["git", "merge-file", "-p", "ours", "base", "theirs"], cwd=folder, capture_output=True)
    return textual.returncode > 0 and b"<<<<<<<" in textual.stdout


def _iterations(team: Team, side: Path) -> list[str]:
    import json

    return sorted(i["name"] for i in json.loads(team.mlreq(side, "iteration", "list", "--json").out))


def test_iterations_made_on_both_sides_travel_with_sync(team: Team):
    team.answer(team.a, AUDIT, "Yearly audit.")
    team.mlreq(team.a, "iteration", "new", "Workshop A", "-m", "made on machine a")
    team.answer(team.b, STORAGE, "MLflow.")
    team.mlreq(team.b, "iteration", "new", "Workshop B", "-m", "made on machine b")

    team.sync(team.a)
    team.sync(team.b)
    team.sync(team.a)

    assert _iterations(team, team.a) == _iterations(team, team.b) == ["Workshop A", "Workshop B"]
    remote_tags = git(team.hub, "tag", "--list")
    assert "iteration/workshop-a" in remote_tags and "iteration/workshop-b" in remote_tags
    for tag in ("iteration/workshop-a", "iteration/workshop-b"):
        assert git(team.a, "rev-parse", tag) == git(team.b, "rev-parse", tag) == git(team.hub, "rev-parse", tag)
    team.assert_nothing_lost()


def test_an_iteration_with_no_new_commit_still_travels(team: Team):
    team.answer(team.a, AUDIT, "Yearly audit.")
    team.sync(team.a)
    team.mlreq(team.a, "iteration", "new", "Sign-off")  # marks a commit the remote already has

    team.sync(team.a)
    team.sync(team.b)

    assert "iteration/sign-off" in git(team.hub, "tag", "--list")
    assert _iterations(team, team.b) == ["Sign-off"]
    team.assert_nothing_lost()


def test_the_same_iteration_name_on_both_sides_does_not_block_sync(team: Team):
    team.answer(team.a, AUDIT, "Yearly audit.")
    team.mlreq(team.a, "iteration", "new", "Review", "-m", "a's review")
    team.sync(team.a)
    team.answer(team.b, STORAGE, "MLflow.")
    team.mlreq(team.b, "iteration", "new", "Review", "-m", "b's review")
    theirs = git(team.hub, "rev-parse", "iteration/review")
    mine = git(team.b, "rev-parse", "iteration/review")

    outcome = team.sync(team.b)

    assert "merged by question; pushed" in outcome.out
    assert "iteration/review" in outcome.out  # said, not silently dropped
    assert _read_answer(team.b, AUDIT) == "Yearly audit."  # the answers still merged
    assert git(team.b, "rev-parse", "iteration/review") == mine  # nothing overwritten on either side
    assert git(team.hub, "rev-parse", "iteration/review") == theirs
    team.sync(team.a)
    assert _read_answer(team.a, STORAGE) == "MLflow."
    team.assert_nothing_lost()


def _read_answer(side: Path, qid: str) -> str:
    return _entry(side, qid)["answer"]


def test_plain_git_pull_and_push_merge_by_question_too(team: Team):
    """No mlreq in between: the driver that `mlreq clone` configured does the merge."""
    team.answer(team.a, NEIGHBOUR_A, "The operator owns the telemetry.")
    team.answer(team.a, RESOURCES, "Two data engineers.")
    team.sync(team.a)
    team.answer(team.b, NEIGHBOUR_B, "40 GB a month.")
    team.answer(team.b, RESOURCES, "A contractor.")

    pulled = run(team.b, "git", "pull")
    pushed = run(team.b, "git", "push")

    assert pulled.returncode == 0, pulled.stderr
    assert pushed.returncode == 0, pushed.stderr
    assert "CONFLICT" not in pulled.stdout + pulled.stderr
    assert _read_answer(team.b, NEIGHBOUR_A) == "The operator owns the telemetry."
    assert _read_answer(team.b, NEIGHBOUR_B) == "40 GB a month."
    resources = _entry(team.b, RESOURCES)
    assert (resources["answer"], resources["conflict"]) == ("A contractor.", "Two data engineers.")
    assert RESOURCES in team.mlreq(team.b, "status").out.split("Changed on both sides", 1)[1]
    assert git(team.b, "status", "--porcelain") == ""

    pulled_a = run(team.a, "git", "pull")
    assert pulled_a.returncode == 0, pulled_a.stderr
    assert git(team.a, "rev-parse", "HEAD") == git(team.hub, "rev-parse", "main")
    team.assert_nothing_lost()


def test_sync_commits_answers_left_uncommitted_first(team: Team):
    """A hand edit (or a save git refused) is committed before the merge, never merged over."""
    path = team.a / "answers" / "modeling.toml"
    text = path.read_text()
    start = text.index(f'["{AUDIT}"]')
    path.write_text(text[:start] + text[start:].replace('answer = ""', 'answer = "Edited by hand."', 1))
    team.typed.append("Edited by hand.")
    team.answer(team.b, STORAGE, "MLflow.")
    team.sync(team.b)

    team.sync(team.a)

    assert _read_answer(team.a, AUDIT) == "Edited by hand." and _read_answer(team.a, STORAGE) == "MLflow."
    assert git(team.a, "status", "--porcelain") == ""
    team.assert_nothing_lost()


def test_the_hub_history_holds_every_version(team: Team):
    """Both texts of a conflict are in the remote's history, not only in the working files."""
    team.answer(team.a, RESOURCES, "Version from a.")
    team.answer(team.b, RESOURCES, "Version from b.")
    team.sync(team.a)
    team.sync(team.b)
    team.mlreq(team.b, "resolve", RESOURCES, "--theirs")
    team.sync(team.b)

    log = hub_log(team.hub)
    assert "Version from a." in log and "Version from b." in log
    team.assert_nothing_lost()


def test_the_user_s_git_settings_do_not_change_how_sync_merges(team: Team, git_config):
    """merge.ff=only, signing with a key that does not exist, rebase on pull, no tags by default."""
    git_config.add(
        "[merge]\n\tff = only\n[commit]\n\tgpgSign = true\n[user]\n\tsigningKey = NO-SUCH-KEY\n"
        "[pull]\n\trebase = true\n[remote \"origin\"]\n\ttagOpt = --no-tags\n"
    )
    team.answer(team.a, AUDIT, "Yearly audit.")
    team.mlreq(team.a, "iteration", "new", "Kick-off")
    team.answer(team.b, STORAGE, "MLflow.")
    team.sync(team.a)

    merged = team.sync(team.b)

    assert "merged by question; pushed" in merged.out
    assert _read_answer(team.b, AUDIT) == "Yearly audit." and "Kick-off" in team.mlreq(team.b, "iteration", "list").out
    team.sync(team.a)
    assert _read_answer(team.a, STORAGE) == "MLflow."
    team.assert_nothing_lost()


def test_taking_the_remote_s_iteration_after_a_name_clash(team: Team):
    team.mlreq(team.a, "iteration", "new", "Review", "-m", "a's review")
    team.sync(team.a)
    team.answer(team.b, STORAGE, "MLflow.")
    team.mlreq(team.b, "iteration", "new", "Review", "-m", "b's review")
    clash = team.sync(team.b)
    assert "git tag -d NAME" in clash.out

    git(team.b, "tag", "-d", "iteration/review")
    settled = team.sync(team.b)

    assert "iteration/review" not in settled.out
    assert git(team.b, "rev-parse", "iteration/review") == git(team.hub, "rev-parse", "iteration/review")
    assert "a's review" in team.mlreq(team.b, "iteration", "list", "--json").out
    team.assert_nothing_lost()


def test_log_of_an_answer_follows_this_line_of_work_after_a_merge(team: Team):
    """B's intermediate wording never existed on A's line: A's log shows what A had, then
    B's result arriving with the merge, marked as merged in."""
    import json

    team.answer(team.a, RESOURCES, "Two engineers.")
    team.sync(team.a)
    team.sync(team.b)
    team.answer(team.b, RESOURCES, "Three engineers for a month.")
    team.answer(team.b, RESOURCES, "Three engineers.")
    team.sync(team.b)
    team.answer(team.a, "scoping.user-interface", "A list in the dispatch tool.")  # same file, another question
    team.sync(team.a)  # a real merge: A's commit is the first parent
    assert len(git(team.a, "rev-parse", "HEAD^@").split()) == 2

    versions = json.loads(team.mlreq(team.a, "log", RESOURCES, "--json").out)
    text = team.mlreq(team.a, "log", RESOURCES).out

    assert [(v["answer"], v["merged"]) for v in versions] == [("Two engineers.", False), ("Three engineers.", True)]
    assert "Three engineers for a month." not in text
    assert text.splitlines()[-2].endswith("(merged in)")
    team.assert_nothing_lost()
