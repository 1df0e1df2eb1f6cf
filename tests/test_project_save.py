"""Saving answers: one commit per save, the right author, minimal diffs, hand edits kept, conflicts refused."""

from __future__ import annotations

import tomllib

import pytest

from helpers import TEST_EMAIL, TEST_NAME, commit_count, files_in_commit, git, read_answers, trailers_of
from mlreq.projects import ConflictError, Entry, Project


def test_each_answer_is_one_commit_naming_the_question(cli, project_dir):
    first = cli("answer", "data.data-source", "--text", "Charger telemetry", cwd=project_dir)
    second = cli("answer", "data.data-format", "--text", "Parquet\nand CSV", cwd=project_dir)

    assert first.code == 0 and second.code == 0, (first, second)
    assert first.out.startswith("committed ") and "data.data-source" in first.out
    assert commit_count(project_dir) == 3
    assert git(project_dir, "log", "-1", "--format=%s", "HEAD~1").strip() == "Answer data.data-source"
    assert git(project_dir, "log", "-1", "--format=%s").strip() == "Answer data.data-format"
    body = git(project_dir, "log", "-1", "--format=%B")
    assert "data.data-format (Data: What data format will be used?)" in body
    assert trailers_of(project_dir) == ["data.data-format"]
    assert trailers_of(project_dir, "HEAD~1") == ["data.data-source"]
    parsed = git(project_dir, "log", "-1", "--format=%(trailers:key=Mlreq-Question,valueonly)")
    assert parsed.strip() == "data.data-format"
    assert files_in_commit(project_dir) == ["answers/data.toml"]
    assert git(project_dir, "status", "--porcelain") == ""
    answers = read_answers(project_dir / "answers" / "data.toml")
    assert answers["data.data-format"] == {"status": "draft", "answer": "Parquet\nand CSV", "notes": ""}


def test_saving_the_same_text_again_makes_no_commit(cli, project_dir):
    cli("answer", "data.data-source", "--text", "Same", cwd=project_dir)
    again = cli("answer", "data.data-source", "--text", "Same", cwd=project_dir)

    assert again.code == 0
    assert again.out.strip() == "nothing changed"
    assert commit_count(project_dir) == 2


def test_answer_from_stdin_and_from_file(cli, project_dir, tmp_path):
    source = tmp_path / "answer.txt"
    source.write_bytes("From a file ✓\n".encode())
    assert cli("answer", "deployment.retraining-frequency", "-", cwd=project_dir, stdin=b"Every Monday\n").code == 0
    assert cli("answer", "deployment.prediction-location", "--file", source, cwd=project_dir).code == 0

    answers = read_answers(project_dir / "answers" / "deployment.toml")
    assert answers["deployment.retraining-frequency"]["answer"] == "Every Monday\n"
    assert answers["deployment.prediction-location"]["answer"] == "From a file ✓\n"


def _author_of_head(project_dir):
    return git(project_dir, "log", "-1", "--format=%an <%ae>|%cn <%ce>").strip()


def test_author_precedence_flag_then_env_then_git_config(cli, project_dir, monkeypatch):
    assert cli("answer", "scoping.end-user", "--text", "config", cwd=project_dir).code == 0
    assert _author_of_head(project_dir) == f"{TEST_NAME} <{TEST_EMAIL}>|{TEST_NAME} <{TEST_EMAIL}>"

    monkeypatch.setenv("MLREQ_AUTHOR", "Env Person <env@example.com>")
    assert cli("answer", "scoping.end-user", "--text", "env", cwd=project_dir).code == 0
    assert _author_of_head(project_dir).startswith("Env Person <env@example.com>|")

    outcome = cli("--author", "Flag Person <flag@example.com>", "answer", "scoping.end-user", "--text", "flag", cwd=project_dir)
    assert outcome.code == 0, outcome
    assert _author_of_head(project_dir) == "Flag Person <flag@example.com>|Flag Person <flag@example.com>"
    assert commit_count(project_dir) == 4


def test_malformed_author_is_bad_input_and_nothing_is_written(cli, project_dir):
    before = (project_dir / "answers" / "scoping.toml").read_bytes()

    outcome = cli("--author", "no-brackets", "answer", "scoping.end-user", "--text", "x", cwd=project_dir)

    assert outcome.code == 2
    assert "--author" in outcome.err and "Name <mail>" in outcome.err
    assert (project_dir / "answers" / "scoping.toml").read_bytes() == before
    assert commit_count(project_dir) == 1


def test_status_only_change(cli, project_dir):
    cli("answer", "modeling.baseline", "--text", "Logistic regression", cwd=project_dir)

    outcome = cli("answer", "modeling.baseline", "--status", "agreed", cwd=project_dir)

    assert outcome.code == 0, outcome
    assert git(project_dir, "log", "-1", "--format=%s").strip() == "Mark agreed: modeling.baseline"
    assert "status draft -> agreed" in git(project_dir, "log", "-1", "--format=%b")
    diff = git(project_dir, "diff", "-U0", "HEAD~1", "HEAD")
    changed = [l for l in diff.splitlines() if l[:1] in "+-" and not l.startswith(("+++", "---"))]
    assert changed == ['-status = "draft"', '+status = "agreed"']
    entry = read_answers(project_dir / "answers" / "modeling.toml")["modeling.baseline"]
    assert entry == {"status": "agreed", "answer": "Logistic regression", "notes": ""}


def test_answer_change_touches_only_that_questions_lines(cli, project_dir):
    cli("answer", "data.preprocessing", "--text", "Resample to 1 min\nDrop gaps > 1 h", cwd=project_dir)
    cli("answer", "data.labelers", "--text", "Two service engineers", cwd=project_dir)

    cli("answer", "data.preprocessing", "--text", "Resample to 5 min\nDrop gaps > 1 h", cwd=project_dir)

    diff = git(project_dir, "diff", "-U0", "HEAD~1", "HEAD")
    changed = [l for l in diff.splitlines() if l[:1] in "+-" and not l.startswith(("+++", "---"))]
    assert changed == ["-Resample to 1 min", "+Resample to 5 min"]


HAND_EDITED = '''\
# Data answers, tidied by hand.   Keep this comment!

["data.data-format"]    # moved above data-source on purpose
status = "agreed"   # agreed in the kick-off
answer = "Parquet"
notes = ""


# --- the source, with extra blank lines around ---

["data.data-source"]
status = "draft"
answer = """
Charger telemetry
and the service log"""
notes = "ask Ana"    # trailing comment

["data.labelers"]
status = "open"
answer = ""
notes = ""
'''


def test_hand_edit_survives_the_next_save_byte_for_byte(cli, project_dir):
    path = project_dir / "answers" / "data.toml"
    path.write_text(HAND_EDITED)
    git(project_dir, "commit", "-q", "-am", "Hand edit")

    # data.data-format builds on data.data-source, not the other way round: no review flags.
    outcome = cli("answer", "data.data-format", "--text", "Parquet files\nper day", cwd=project_dir)

    assert outcome.code == 0, outcome
    expected = HAND_EDITED.replace('answer = "Parquet"', 'answer = """\nParquet files\nper day"""')
    assert path.read_text() == expected
    assert git(project_dir, "diff", "HEAD~1", "HEAD", "--stat").count("3 insertions(+), 1 deletion(-)") == 1

    # A status change keeps the trailing comment on its line.
    cli("answer", "data.data-format", "--status", "needs-review", cwd=project_dir)
    assert path.read_text() == expected.replace(
        'status = "agreed"   # agreed in the kick-off', 'status = "needs-review"   # agreed in the kick-off'
    )


def test_uncommitted_hand_edit_is_committed_with_the_next_save(cli, project_dir):
    path = project_dir / "answers" / "scoping.toml"
    text = path.read_text().replace(
        '["scoping.end-user"]', '# comment by hand\n["scoping.end-user"]'
    )
    data = tomllib.loads(text)
    assert "scoping.end-user" in data
    path.write_text(text.replace('["scoping.resources"] # What are the resources needed?\nstatus = "open"\nanswer = ""',
                                 '["scoping.resources"] # What are the resources needed?\nstatus = "open"\nanswer = "Typed in vim"'))

    outcome = cli("answer", "scoping.end-user", "--text", "Fleet operators", cwd=project_dir)

    assert outcome.code == 0, outcome
    assert sorted(trailers_of(project_dir)) == ["scoping.end-user", "scoping.resources"]
    assert git(project_dir, "status", "--porcelain") == ""
    assert "# comment by hand" in path.read_text()


# --------------------------------------------------------------------------- concurrent edits


def test_same_answer_changed_on_disk_is_a_conflict_and_nothing_is_written(project_dir):
    mine = Project.open(project_dir)
    base = mine.entry("modeling.baseline")
    other = Project.open(project_dir)
    other.save("modeling.baseline", answer="Theirs: gradient boosting")
    path = project_dir / "answers" / "modeling.toml"
    before = path.read_bytes()
    commits = commit_count(project_dir)

    with pytest.raises(ConflictError) as caught:
        mine.save("modeling.baseline", answer="Mine: a rule-based baseline", base=base)

    assert caught.value.exit_code == 4
    assert "modeling.baseline" in str(caught.value)
    assert caught.value.conflict.theirs.answer == "Theirs: gradient boosting"
    assert caught.value.conflict.mine.answer == "Mine: a rule-based baseline"
    assert path.read_bytes() == before
    assert commit_count(project_dir) == commits


def test_conflict_against_a_hand_edit(project_dir):
    mine = Project.open(project_dir)
    qid = "deployment.software-metrics"
    base = mine.entry(qid)
    path = project_dir / "answers" / "deployment.toml"
    document = path.read_text()
    marker = f'["{qid}"]'
    start = document.index(marker)
    edited = document[:start] + document[start:].replace('answer = ""', 'answer = "Edited in an editor"', 1)
    path.write_text(edited)

    with pytest.raises(ConflictError) as caught:
        mine.save(qid, answer="Typed in the app", base=base)

    assert caught.value.conflict.theirs.answer == "Edited in an editor"
    assert caught.value.conflict.mine.answer == "Typed in the app"
    assert path.read_text() == edited


def test_same_text_on_both_sides_is_not_a_conflict(project_dir):
    mine = Project.open(project_dir)
    base = mine.entry("modeling.baseline")
    Project.open(project_dir).save("modeling.baseline", answer="Same")

    result = mine.save("modeling.baseline", answer="Same", base=base)

    assert result.ok and result.commit is None  # nothing left to commit
    assert read_answers(project_dir / "answers" / "modeling.toml")["modeling.baseline"]["answer"] == "Same"


def test_different_question_changed_on_disk_is_merged(project_dir):
    mine = Project.open(project_dir)
    mine.entries()  # the app has everything loaded
    base = mine.entry("data.labelers")
    other = Project.open(project_dir)
    other.save("data.data-source", answer="Telemetry (other session)")

    result = mine.save("data.labelers", answer="In-house (this session)", base=base)

    assert result.ok and result.commit
    answers = read_answers(project_dir / "answers" / "data.toml")
    assert answers["data.data-source"]["answer"] == "Telemetry (other session)"
    assert answers["data.labelers"]["answer"] == "In-house (this session)"
    committed = tomllib.loads(git(project_dir, "show", "HEAD:answers/data.toml"))
    assert committed["data.data-source"]["answer"] == "Telemetry (other session)"
    assert committed["data.labelers"]["answer"] == "In-house (this session)"
    assert trailers_of(project_dir) == ["data.labelers"]
    assert trailers_of(project_dir, "HEAD~1") == ["data.data-source"]
    assert git(project_dir, "status", "--porcelain") == ""


def test_hand_edit_of_another_question_is_merged_into_the_save(project_dir):
    mine = Project.open(project_dir)
    base = mine.entry("data.data-source")
    path = project_dir / "answers" / "data.toml"
    path.write_text(path.read_text().replace(
        '["data.labelers"] # Who will label the data?\nstatus = "open"',
        '# by hand\n["data.labelers"] # Who will label the data?\nstatus = "agreed"',
    ))

    result = mine.save("data.data-source", answer="Telemetry", base=base)

    assert result.ok
    assert sorted(result.committed) == ["data.data-source", "data.labelers"]
    text = path.read_text()
    assert "# by hand" in text
    assert tomllib.loads(text)["data.labelers"]["status"] == "agreed"
    assert git(project_dir, "status", "--porcelain") == ""


def test_entry_values(project):
    project.save("scoping.resources", answer="Data, two people", notes="from the workshop")

    assert project.entry("scoping.resources") == Entry("Data, two people", "draft", "from the workshop")
    assert Project.open(project.root).entry("scoping.resources") == Entry("Data, two people", "draft", "from the workshop")
