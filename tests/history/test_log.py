"""`mlreq log [QID] [--json]`: saves grouped under iterations, and one answer's timeline."""

from __future__ import annotations

import json

from mlreq.projects import Project
from mlreq.projects.history import History

from .conftest import ADA, BEN, CAI, OWNERSHIP, RESOURCES, UI, assert_one_line_error, git, head, save


def test_log_groups_saves_under_the_iteration_they_led_to(evolved):
    groups = evolved.history.grouped_log()

    assert [g.iteration.name if g.iteration else None for g in groups] == [None, "Review 2", "Kick-off workshop"]
    s1, s2, s3, s4, s5 = evolved.saves
    commits = [[e.commit for e in g.entries] for g in groups]
    assert commits == [[s5, s4], [s3], [s2, s1, evolved.creation]]  # newest first; the creation belongs to the first
    since = groups[0].entries
    assert [e.author for e in since] == [BEN.name, ADA.name]
    assert [e.email for e in since] == [BEN.email, ADA.email]
    assert since[0].questions == (OWNERSHIP,) and since[1].questions == (RESOURCES,)
    assert groups[2].entries[-1].questions == ()


def test_log_text_output(cli, evolved):
    outcome = cli("log", cwd=evolved.path)

    assert outcome.code == 0
    lines = outcome.out.splitlines()
    headings = [line for line in lines if not line.startswith("  ")]
    assert headings[0] == "Since the last iteration: 2 saves"
    assert headings[1].startswith("Iteration 'Review 2' (") and headings[1].endswith("): 1 saves")
    assert headings[2].startswith("Iteration 'Kick-off workshop' (") and headings[2].endswith("): 3 saves")
    assert len(lines) == 3 + 6
    assert "Ben Builder" in lines[1] and f"Answer {OWNERSHIP}" in lines[1]
    assert "Ada Analyst" in lines[2] and f"Answer {RESOURCES}" in lines[2]
    assert 'Create requirements project "Test project"' in lines[-1]


def test_log_with_nothing_since_the_last_iteration(cli, evolved):
    evolved.history.create_iteration("Sign-off")

    outcome = cli("log", cwd=evolved.path)

    assert outcome.out.splitlines()[0].startswith("Iteration 'Sign-off' (")
    assert "Since the last iteration" not in outcome.out


def test_log_without_iterations(cli, project_dir):
    save(Project.open(project_dir), UI, "one")

    outcome = cli("log", cwd=project_dir)

    assert outcome.out.splitlines()[0] == "Saves: 2 saves"


def test_log_json_structure(cli, evolved):
    data = json.loads(cli("log", "--json", cwd=evolved.path).out)

    assert [g["iteration"] and g["iteration"]["name"] for g in data] == [None, "Review 2", "Kick-off workshop"]
    assert set(data[1]["iteration"]) == {"name", "tag", "commit", "date"}
    assert data[1]["iteration"]["tag"] == "iteration/review-2"
    assert data[1]["iteration"]["commit"] == evolved.saves[2]
    save_entry = data[0]["saves"][0]
    assert set(save_entry) == {"commit", "author", "email", "date", "subject", "questions", "requirements"}
    assert save_entry == {
        "commit": evolved.saves[4],
        "author": BEN.name,
        "email": BEN.email,
        "date": save_entry["date"],
        "subject": f"Answer {OWNERSHIP}",
        "questions": [OWNERSHIP],
        "requirements": [],
    }
    assert sum(len(g["saves"]) for g in data) == 6


def test_timeline_lists_every_version_oldest_first_with_authors(cli, evolved):
    versions = evolved.history.timeline(UI)

    assert [v.author for v in versions] == [ADA.name, CAI.name]
    assert [v.commit for v in versions] == [evolved.saves[0], evolved.saves[2]]
    assert versions[0].entry.answer == "A web dashboard for field engineers."
    assert versions[1].entry.answer == "A mobile dashboard for field engineers."

    outcome = cli("log", UI, cwd=evolved.path)
    assert outcome.code == 0
    text = evolved.project.question(UI).text
    assert outcome.out.startswith(f"{UI}: {text} (2 versions, oldest first)")
    first, second = outcome.out.index("#1 "), outcome.out.index("#2 ")
    assert first < second
    assert "Ada Analyst  [draft]" in outcome.out[first:second] and "Cai Owner  [draft]" in outcome.out[second:]


def test_timeline_skips_saves_that_left_the_answer_unchanged(cli, project_dir):
    project = Project.open(project_dir)
    save(project, UI, "v1", author=ADA)
    save(project, RESOURCES, "other question, same file", author=BEN)
    # A hand commit rewriting the whole stage file without changing this answer (no trailer).
    path = project_dir / "answers" / "scoping.toml"
    path.write_text(path.read_text() + "\n# a comment added by hand\n")
    git(project_dir, "commit", "-qam", "Comment by hand")
    save(project, UI, "v1", author=CAI, status="agreed")  # same words, new status: a version
    save(project, UI, "v2", author=BEN)

    versions = History(Project.open(project_dir)).timeline(UI)

    assert [(v.entry.answer, v.entry.status, v.author) for v in versions] == [
        ("v1", "draft", ADA.name),
        ("v1", "agreed", CAI.name),
        ("v2", "agreed", BEN.name),
    ]
    data = json.loads(cli("log", UI, "--json", cwd=project_dir).out)
    assert [d["answer"] for d in data] == ["v1", "v1", "v2"]
    assert set(data[0]) == {"commit", "author", "date", "answer", "status", "notes", "merged"}


def test_timeline_sees_an_answer_changed_by_a_hand_commit(project_dir):
    project = Project.open(project_dir)
    save(project, UI, "typed in mlreq")
    path = project_dir / "answers" / "scoping.toml"
    path.write_text(path.read_text().replace('"typed in mlreq"', '"edited in an editor"'))
    git(project_dir, "commit", "-qam", "Edit by hand")

    versions = History(Project.open(project_dir)).timeline(UI)

    assert [v.entry.answer for v in versions] == ["typed in mlreq", "edited in an editor"]
    assert versions[-1].commit == head(project_dir)


def test_timeline_of_a_question_never_answered_is_empty(cli, project_dir):
    outcome = cli("log", RESOURCES, cwd=project_dir)

    assert outcome.code == 0 and "(0 versions" in outcome.out


def test_log_of_an_unknown_question_suggests_the_closest(cli, project_dir):
    outcome = cli("log", "scoping.user-interfac", cwd=project_dir)

    line = assert_one_line_error(outcome, 2)
    assert "'scoping.user-interfac'" in line and UI in line


def test_a_log_walk_started_early_is_used_only_for_its_own_project(evolved, tmp_path):
    # `mlreq log` starts git's walk before it reads the project; History.log takes it only
    # when it walks this project's folder in this repository, and never leaves it running.
    from mlreq.projects import create_project
    from mlreq.projects.commitmessage import TRAILER
    from mlreq.projects.logwalk import QUESTION_TRAILER, start_walk_at

    assert QUESTION_TRAILER == TRAILER  # kept apart only so that the walk starts before the model loads

    other, _ = create_project(tmp_path / "other", name="Other")
    own = [e.commit for e in History(evolved.project).log()]
    walk = start_walk_at(other.root)
    mine = start_walk_at(evolved.path / "answers")

    assert [e.commit for e in History(evolved.project).log(walk=walk)] == own
    assert walk.process.poll() is not None  # the other project's walk was stopped, not read
    assert [e.commit for e in History(evolved.project).log(walk=mine)] == own
    assert start_walk_at(tmp_path / "nowhere") is None


def test_a_timeline_read_started_before_the_form_is_used_only_when_its_guess_was_right(evolved):
    # `mlreq log QID` starts reading before the form says which file holds QID: the stage
    # file is guessed from the id and checked; a reading of another question is not used.
    from mlreq.projects.logwalk import start_timeline_at

    history = History(evolved.project)
    expected = [(v.commit, v.entry) for v in history.timeline(UI)]
    other = start_timeline_at(evolved.path, OWNERSHIP)
    right = start_timeline_at(evolved.path, UI)

    assert other is not None and right is not None
    assert [(v.commit, v.entry) for v in history.timeline(UI, prefetch=other)] == expected
    assert [(v.commit, v.entry) for v in history.timeline(UI, prefetch=right)] == expected
    assert start_timeline_at(evolved.path, "nosuchstage.question") is None
    assert start_timeline_at(evolved.path, "../form") is None  # never a path out of answers/


def test_a_diffs_reads_started_early_are_used_only_for_their_own_project(evolved, tmp_path):
    # `mlreq diff` starts its iteration tags and its `cat-file` before it reads the project;
    # History takes them only for this repository's iterations, and stops the others.
    from mlreq.projects import create_project
    from mlreq.projects.logwalk import start_diff_reads_at

    expected = History(evolved.project).diff(evolved.kickoff, evolved.review)
    other, _ = create_project(tmp_path / "other", name="Other")
    theirs = start_diff_reads_at(other.root)
    mine = start_diff_reads_at(evolved.path / "answers")
    assert theirs is not None and mine is not None

    assert History(evolved.project, started=theirs).diff(evolved.kickoff, evolved.review).changes == expected.changes
    assert theirs.refs is None and theirs.reader is None  # stopped, not read
    history = History(evolved.project, started=mine)
    reader = mine.reader
    assert history.diff(evolved.kickoff, evolved.review).changes == expected.changes
    assert mine.refs is None and mine.reader is None and reader.process.poll() == 0  # taken, read, ended
    assert start_diff_reads_at(tmp_path / "nowhere") is None
