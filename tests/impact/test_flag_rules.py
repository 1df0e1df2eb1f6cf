"""A flag means "read this again": no flag without a change of meaning, direct dependents
only, first answers and minor edits flag nothing, review and confirm in one pass.
Real git throughout (the demo's history, fresh projects, the CLI in-process)."""

from __future__ import annotations

import pytest

from mlreq.projects import Project, create_project
from mlreq.projects.impact import same_meaning

from helpers import commit_count, git, trailers_of

PROBLEMS = "scoping.business-problems"


def needs_review(project: Project) -> set[str]:
    return {qid for qid, entry in project.entries().items() if entry.status == "needs-review"}


@pytest.mark.parametrize(
    ("old", "new", "same"),
    [
        ("We want X", "We want X.", True),
        ("- one\n- two", "one, two", True),
        ("a  b\n", "a b", True),
        ("\"Quoted\" (aside)", "Quoted aside", True),
        ("PSI > 0.2", "PSI < 0.2", False),
        ("3.5 h", "35 h", False),
        ("-5 C", "5 C", False),
        ("85%", "85", False),
        ("monthly", "weekly", False),
    ],
)
def test_meaning_ignores_whitespace_and_punctuation_but_not_words_numbers_or_symbols(old: str, new: str, same: bool) -> None:
    assert same_meaning(old, new) is same


def test_a_full_stop_added_to_the_demo_business_problems_flags_nothing(demo: Project) -> None:
    before = needs_review(demo)
    entry = demo.entry(PROBLEMS)
    result = demo.save(PROBLEMS, answer=entry.answer + ".")
    assert result.commit and result.flagged == ()
    assert needs_review(Project.open(demo.root)) == before
    assert trailers_of(demo.root) == [PROBLEMS]


def test_a_wording_change_to_the_demo_business_problems_flags_only_its_direct_dependents(demo: Project) -> None:
    entries = demo.entries()
    direct = {q for q in demo.form.dependents_of(PROBLEMS) if entries[q].answered and entries[q].status != "needs-review"}
    agreed_further = {
        q for q, depth in demo.form.downstream(PROBLEMS) if depth > 1 and entries[q].status == "agreed"
    }
    assert direct and agreed_further  # the demo has both, or this test proves nothing
    result = demo.save(PROBLEMS, answer=entries[PROBLEMS].answer.replace("38%", "41%"))
    assert set(result.flagged) == direct
    assert set(result.may_be_affected) & agreed_further == agreed_further
    after = Project.open(demo.root).entries()
    assert {q for q in agreed_further if after[q].status == "agreed"} == agreed_further  # sign-offs kept
    message = git(demo.root, "log", "-1", "--format=%B")
    assert "build directly on the changed answer" in message
    assert set(trailers_of(demo.root)) == {PROBLEMS, *direct}


def test_a_whitespace_only_edit_to_the_demo_data_source_flags_none(demo: Project) -> None:
    before = needs_review(demo)
    text = demo.entry("data.data-source").answer
    result = demo.save("data.data-source", answer=text.replace("\n", "\n  ", 2) + "\n")
    assert result.commit and result.flagged == () and result.may_be_affected == ()
    assert needs_review(Project.open(demo.root)) == before


def test_answering_all_37_questions_in_form_order_leaves_none_needs_review(project: Project) -> None:
    questions = project.form.questions
    assert len(questions) == 37
    for question in questions:
        if project.form.dependents_of(question.id):
            # As the app's autosave does while typing goes on: the same answer saved twice.
            project.save(question.id, answer=f"A first thought on {question.id}")
        project.save(question.id, answer=f"A first thought on {question.id}, and then some more words")
    assert needs_review(Project.open(project.root)) == set()
    assert git(project.root, "log", "--format=%B").count("Flagged needs-review") == 0


def test_an_edit_in_a_later_session_flags_what_was_built_on_the_earlier_text(project: Project) -> None:
    project.save("data.data-format", answer="Parquet")
    project.save("data.data-source", answer="Telemetry")  # a first answer: flags nothing
    project.save("data.data-source", answer="Telemetry and tickets")  # the same edit, still typing
    assert needs_review(project) == set()
    later = Project.open(project.root)  # another session (or the next CLI call)
    result = later.save("data.data-source", answer="Telemetry, tickets and weather")
    assert result.flagged == ("data.data-format",)
    assert later.entry("data.data-format").review.startswith("data.data-source changed (Test Person, ")


def test_a_second_upstream_change_adds_its_reason_to_an_answer_already_flagged(project: Project) -> None:
    assert {"data.data-source", "data.acquisition"} <= set(project.form.question("data.metadata").depends_on)
    for qid in ("data.data-source", "data.acquisition", "data.metadata"):
        project.save(qid, answer=f"first answer to {qid}")
    Project.open(project.root).save("data.data-source", answer="second answer")
    Project.open(project.root).save("data.acquisition", answer="second answer")
    Project.open(project.root).save("data.acquisition", answer="third answer")  # named once only
    review = Project.open(project.root).entry("data.metadata").review.splitlines()
    assert [line.split(" changed (")[0] for line in review] == ["data.data-source", "data.acquisition"]


def test_a_minor_edit_flags_none_and_says_so_in_the_commit(demo: Project, cli) -> None:
    before = needs_review(demo)
    text = demo.entry(PROBLEMS).answer.replace("38%", "41%")
    outcome = cli("answer", PROBLEMS, "--text", text, "--minor", "--project", demo.root)
    assert outcome.code == 0, outcome.err
    assert "minor edit: nothing was flagged for review" in outcome.out
    assert needs_review(Project.open(demo.root)) == before
    assert git(demo.root, "log", "-1", "--format=%s").strip() == f"Answer {PROBLEMS} (minor edit)"
    assert "Minor edit: nothing that builds on it was flagged for review." in git(demo.root, "log", "-1", "--format=%B")
    assert trailers_of(demo.root) == [PROBLEMS]


def test_review_lists_each_flag_with_who_changed_what_and_confirm_clears_them(demo: Project, cli) -> None:
    entries = demo.entries()
    demo.author = None
    demo.save(PROBLEMS, answer=entries[PROBLEMS].answer.replace("38%", "41%"))
    outcome = cli("review", "--project", demo.root)
    assert outcome.code == 0, outcome.err
    assert f"{PROBLEMS} changed, by Test Person on " in outcome.out
    assert "[-38-]{+41+}% of fault" in outcome.out  # the changed number, its unit unchanged beside it
    assert "confirming keeps the answer and makes it agreed again" in outcome.out  # ml-feasibility was agreed
    flagged = sorted(needs_review(demo) - {"data.privacy", "data.ownership"})
    commits = commit_count(demo.root)
    done = cli("review", "--confirm", *flagged, "--project", demo.root)
    assert done.code == 0, done.err
    assert commit_count(demo.root) == commits + 1
    assert git(demo.root, "log", "-1", "--format=%s").strip() == f"Confirm {len(flagged)} answers still hold"
    after = Project.open(demo.root).entries()
    assert needs_review(Project.open(demo.root)) == {"data.privacy", "data.ownership"}
    assert after["scoping.ml-feasibility"].status == "agreed" and after["scoping.ml-feasibility"].review == ""
    assert after["scoping.domain-expert"].status == "draft"


def test_confirming_an_answer_that_is_not_flagged_says_so_without_a_commit(demo: Project, cli) -> None:
    commits = commit_count(demo.root)
    outcome = cli("review", "--confirm", PROBLEMS, "--project", demo.root)
    assert outcome.code == 0
    assert outcome.out.strip() == f"{PROBLEMS} is not flagged for review: nothing to confirm"
    assert commit_count(demo.root) == commits


def test_review_json_names_the_hand_flagged_demo_answers(demo: Project, cli) -> None:
    import json

    outcome = cli("review", "--json", "--project", demo.root)
    data = json.loads(outcome.out)
    assert {item["id"] for item in data} == {"data.privacy", "data.ownership"}
    assert all(item["reasons"] for item in data)  # the notes say why


def test_rewording_a_question_flags_its_answer_and_review_shows_the_old_wording(project: Project, cli) -> None:
    project.save("data.data-format", answer="Parquet", status="agreed")
    old_text = project.form.question("data.data-format").text
    outcome = cli("form", "reword", "data.data-format", "--text", "Which file formats will the data be stored in?",
                  "--project", project.root)
    assert outcome.code == 0, outcome.err
    entry = Project.open(project.root).entry("data.data-format")
    assert entry.status == "needs-review" and entry.review.startswith("the question was reworded (Test Person, ")
    assert "data.data-format" in trailers_of(project.root)
    assert git(project.root, "status", "--porcelain", "--", ".") == ""
    shown = cli("review", "--project", project.root)
    assert "the question was reworded, by Test Person" in shown.out
    assert "{+Which file formats" in shown.out and old_text.split()[0] in shown.out
    assert "makes it agreed again" in shown.out


def test_rewording_an_unanswered_question_or_only_its_punctuation_flags_nothing(project: Project, cli) -> None:
    project.save("data.data-format", answer="Parquet", status="agreed")
    text = project.form.question("data.data-format").text
    assert cli("form", "reword", "data.data-format", "--text", text.rstrip("?") + " ?", "--project", project.root).code == 0
    assert cli("form", "reword", "data.data-source", "--text", "Where from?", "--project", project.root).code == 0
    assert needs_review(Project.open(project.root)) == set()


def test_a_first_answer_flags_only_what_the_last_iteration_had_settled_without_it(project: Project, cli) -> None:
    from mlreq.projects.history import History

    project.save("data.data-format", answer="Parquet")  # both build on data.data-source, still empty
    project.save("data.acquisition", answer="From the Kafka stream")
    History(project).create_iteration("Kick-off workshop")
    project.save("data.acquisition", answer="From the Kafka stream, and SFTP")  # changed since: this sitting's
    project.save("data.metadata", answer="Charger id")  # new since the iteration
    result = Project.open(project.root).save("data.data-source", answer="Charger telemetry")
    assert result.flagged == ("data.data-format",)
    review = cli("review", "--project", project.root).out
    assert "{+Charger telemetry+}" in review


def test_restoring_a_draft_flags_only_what_its_text_changes(demo: Project) -> None:
    from mlreq.projects.drafts import Draft
    from mlreq.tui.app import _flags_of

    entries = demo.entries()
    text = entries[PROBLEMS].answer

    def restoring(new_text: str) -> list[str]:
        return _flags_of(demo.form, [Draft(PROBLEMS, new_text, entries[PROBLEMS], 0.0)], entries)

    assert restoring(text.replace("\n", "\r\n") + "  \n") == []  # the same words: nothing to read again
    direct = {q for q in demo.form.dependents_of(PROBLEMS) if entries[q].answered and entries[q].status != "needs-review"}
    assert set(restoring(text.replace("38%", "41%"))) == direct


def test_show_marks_the_dependencies_that_are_mlreqs_judgement(project: Project, cli) -> None:
    import json

    shown = cli("show", "modeling.bias-risks", "--project", project.root).out
    assert "Builds on: data.acquisition, data.metadata, scoping.end-user (mlreq's judgement)" in shown
    data = json.loads(cli("show", "modeling.bias-risks", "--json", "--project", project.root).out)
    assert data["depends_on_judgement"] == ["scoping.end-user"]


def test_undoing_a_slip_that_autosaved_withdraws_the_flags_it_raised(demo: Project) -> None:
    """Words typed into the wrong answer autosave and flag its dependents; typing them away
    again in the same run of saves puts every dependent back exactly as it was."""
    original = demo.entries()
    text = original[PROBLEMS].answer
    slipped = demo.save(PROBLEMS, answer="oops " + text)
    assert slipped.flagged  # the slip did flag, or this test proves nothing
    undone = demo.save(PROBLEMS, answer=text)
    assert set(undone.withdrawn) == set(slipped.flagged) and undone.flagged == ()
    assert Project.open(demo.root).entries() == original
    message = git(demo.root, "log", "-1", "--format=%B")
    assert message.startswith(f"Answer {PROBLEMS}\n")
    assert "No longer flagged needs-review (the change that flagged them was undone):" in message
    assert git(demo.root, "diff", "HEAD~2", "HEAD", "--stat") == ""  # the record is back where it began


def test_a_flag_someone_acted_on_or_an_undo_in_a_later_run_is_not_withdrawn(demo: Project) -> None:
    text = demo.entry(PROBLEMS).answer
    slipped = demo.save(PROBLEMS, answer="oops " + text)
    touched, untouched = slipped.flagged[0], slipped.flagged[1:]
    demo.save(touched, answer=demo.entry(touched).answer + " Checked again.")  # ends the run, too
    assert demo.save(PROBLEMS, answer="oops again " + text).withdrawn == ()
    undone = demo.save(PROBLEMS, answer=text)  # back to the start of *this* run: nothing it flagged
    assert undone.withdrawn == ()
    assert needs_review(Project.open(demo.root)) >= {touched, *untouched}
