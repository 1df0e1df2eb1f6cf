"""`mlreq answer QID --from REV` (restore as a new commit) and `mlreq export --at REV`."""

from __future__ import annotations

import json

from mlreq.projects import Project

from .conftest import (
    OWNERSHIP,
    RESOURCES,
    UI,
    assert_one_line_error,
    commit_count,
    git,
    read_answers,
    save,
    trailers_of,
)


def test_restore_an_old_answer_as_a_new_commit(cli, evolved):
    save(evolved.project, UI, "A mobile dashboard for field engineers.", status="agreed")
    commits = commit_count(evolved.path)
    log_before = git(evolved.path, "log", "--format=%H")

    outcome = cli("answer", UI, "--from", "Kick-off workshop", cwd=evolved.path)

    assert outcome.code == 0, outcome
    assert commit_count(evolved.path) == commits + 1
    assert git(evolved.path, "log", "--format=%H", "HEAD~1") == log_before  # history kept, nothing rewritten
    entry = read_answers(evolved.path / "answers" / "scoping.toml")[UI]
    assert entry["answer"] == "A web dashboard for field engineers."
    assert entry["status"] == "draft"  # restored words need agreeing again
    assert trailers_of(evolved.path) == [UI]
    assert git(evolved.path, "status", "--porcelain").strip() == ""
    versions = [(v.entry.answer.split()[1], v.entry.status) for v in evolved.history.timeline(UI)]
    assert versions == [("web", "draft"), ("mobile", "draft"), ("mobile", "agreed"), ("web", "draft")]


def test_the_restore_commit_says_it_restores_and_from_which_version(cli, evolved):
    """Issue 11 item 5: not a plain "Answer <id>", but which version came back."""
    outcome = cli("answer", UI, "--from", "Kick-off workshop", cwd=evolved.path)
    assert outcome.code == 0, outcome
    kickoff = evolved.saves[1]
    date = git(evolved.path, "log", "-1", "--format=%as", kickoff).strip()
    assert f"restored the answer of {UI} from {kickoff[:10]} of {date}, iteration 'Kick-off workshop'" in outcome.out
    assert git(evolved.path, "log", "-1", "--format=%B").strip().splitlines() == [
        f"Restore {UI} from 'Kick-off workshop'",
        "",
        f"{UI} (Scoping: {evolved.project.question(UI).text})",
        f"  answer restored from {kickoff[:10]} of {date}, iteration 'Kick-off workshop'",
        "",
        f"Mlreq-Question: {UI}",
        f"Mlreq-Restored-From: {kickoff}",
    ]
    # A plain commit id: the subject names the commit, the body its date.
    plain = evolved.saves[3]  # a save no iteration marks; the operator still owned the data
    assert cli("answer", OWNERSHIP, "--from", plain[:12], cwd=evolved.path).code == 0
    message = git(evolved.path, "log", "-1", "--format=%B")
    assert message.startswith(f"Restore {OWNERSHIP} from {plain[:10]}\n")
    assert f"answer restored from {plain[:10]} of {git(evolved.path, 'log', '-1', '--format=%as', plain).strip()}\n" in message


def test_restore_from_a_commit_and_with_an_explicit_status(cli, evolved):
    outcome = cli("answer", OWNERSHIP, "--from", evolved.saves[1][:12], "--status", "needs-review", cwd=evolved.path)

    assert outcome.code == 0, outcome
    entry = read_answers(evolved.path / "answers" / "data.toml")[OWNERSHIP]
    assert (entry["answer"], entry["status"]) == ("The operator owns the telemetry data.", "needs-review")


def test_restore_touches_only_that_question(cli, evolved):
    before = read_answers(evolved.path / "answers" / "scoping.toml")

    cli("answer", UI, "--from", "Kick-off workshop", cwd=evolved.path)

    after = read_answers(evolved.path / "answers" / "scoping.toml")
    assert {k: v for k, v in after.items() if k != UI} == {k: v for k, v in before.items() if k != UI}
    assert after[RESOURCES]["answer"] == "Two data engineers for three months."


def test_restore_what_is_already_there_commits_nothing(cli, evolved):
    commits = commit_count(evolved.path)

    outcome = cli("answer", UI, "--from", "Review 2", cwd=evolved.path)

    assert outcome.code == 0 and "nothing changed" in outcome.out
    assert commit_count(evolved.path) == commits


def test_restore_from_an_unknown_revision(cli, evolved):
    commits = commit_count(evolved.path)

    line = assert_one_line_error(cli("answer", UI, "--from", "Kickoff", cwd=evolved.path), 2)

    assert "'Kickoff'" in line and "did you mean 'Kick-off workshop'" in line
    assert commit_count(evolved.path) == commits


def test_restore_and_new_text_together_are_refused(cli, evolved):
    line = assert_one_line_error(cli("answer", UI, "--from", "Review 2", "--text", "new", cwd=evolved.path), 2)
    assert "either --from or a new text" in line


def test_export_at_an_iteration_shows_the_old_answers(cli, evolved):
    outcome = cli("export", "--at", "Kick-off workshop", "--format", "json", cwd=evolved.path)

    assert outcome.code == 0, outcome
    data = json.loads(outcome.out)
    answers = {q["id"]: (q["answer"], q["status"]) for q in data["questions"]}
    assert answers[UI] == ("A web dashboard for field engineers.", "draft")
    assert answers[OWNERSHIP] == ("The operator owns the telemetry data.", "draft")
    assert answers[RESOURCES] == ("", "open")
    now = {q["id"]: q["answer"] for q in json.loads(cli("export", "--format", "json", cwd=evolved.path).out)["questions"]}
    assert now[UI] == "A mobile dashboard for field engineers." and now[RESOURCES]


def test_export_at_a_date_and_as_markdown(cli, evolved):
    outcome = cli("export", "--at", "Review 2", cwd=evolved.path)

    assert outcome.code == 0
    assert "A mobile dashboard for field engineers." in outcome.out
    assert "Two data engineers" not in outcome.out


def test_export_at_uses_the_question_set_of_that_time(cli, evolved):
    form = evolved.path / "form.toml"
    old_text = evolved.project.question(UI).text
    form.write_text(form.read_text().replace(f'text = "{old_text}"', 'text = "Reworded later?"', 1))
    git(evolved.path, "commit", "-qam", "Reword")

    then = json.loads(cli("export", "--at", "Review 2", "--format", "json", cwd=evolved.path).out)
    now = json.loads(cli("export", "--format", "json", cwd=evolved.path).out)

    assert next(q["question"] for q in then["questions"] if q["id"] == UI) == old_text
    assert next(q["question"] for q in now["questions"] if q["id"] == UI) == "Reworded later?"


def test_export_at_an_unknown_iteration(cli, evolved, tmp_path):
    target = tmp_path / "out.json"

    line = assert_one_line_error(cli("export", "--at", "Review", "--output", target, cwd=evolved.path), 2)

    assert "'Review'" in line and "did you mean 'Review 2'" in line
    assert not target.exists()


def test_restore_keeps_the_project_usable(cli, evolved):
    cli("answer", UI, "--from", "Kick-off workshop", cwd=evolved.path)

    project = Project.open(evolved.path)
    assert project.uncommitted() == []
    assert cli("diff", "HEAD~1", "HEAD", "--json", cwd=evolved.path).code == 0
