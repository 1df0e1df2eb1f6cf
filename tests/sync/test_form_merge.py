"""Two clones that tailor the form keep syncing: form.toml merges by question id.

The first part uses two real clones of a bare hub (tests/sync/conftest.py); the second
checks `merge_forms`' rules directly on form files.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomlkit

from mlreq.bank import builtin_form_path
from mlreq.projects.formmerge import FormMergeError, merge_forms
from mlreq.projects.mergedriver import REFUSED, main

from .conftest import AUDIT, RESOURCES, STORAGE, Team, assert_one_line_error, git, read_answers, run

LEAKAGE = "data.leakage"
SIGN_OFF = "modeling.sign-off"


def _form(side: Path) -> dict:
    return tomllib.loads((side / "form.toml").read_text())


def _question(side: Path, qid: str) -> dict:
    return next(q for q in _form(side)["questions"] if q["id"] == qid)


def _ids(side: Path) -> list[str]:
    return [q["id"] for q in _form(side)["questions"]]


def _tailor_both(team: Team) -> None:
    team.mlreq(team.a, "form", "add", "--stage", "Data", "--roles", "Data scientist",
               "--text", "Is there leakage between training and test data?", "--id", LEAKAGE)
    team.mlreq(team.b, "form", "add", "--stage", "Modeling", "--roles", "Data scientist",
               "--text", "Who signs off the model?", "--id", SIGN_OFF)


def test_two_clones_that_tailor_the_form_sync_again(team: Team):
    _tailor_both(team)
    team.answer(team.b, SIGN_OFF, "The product owner, after the audit.")

    first = team.sync(team.a)
    second = team.sync(team.b)
    third = team.sync(team.a)

    assert "pushed" in first.out
    assert "merged by question; pushed" in second.out, second
    assert "RuntimeWarning" not in second.out + second.err + third.err
    assert "both sides" not in second.out + third.out
    for side in (team.a, team.b):
        ids = _ids(side)
        assert LEAKAGE in ids and SIGN_OFF in ids
        assert ids.index(LEAKAGE) < ids.index("modeling.baseline") < ids.index(SIGN_OFF)  # each in its stage
        assert team.show(side, SIGN_OFF)["answer"] == "The product owner, after the audit."
        assert team.show(side, LEAKAGE)["status"] == "open"
        assert LEAKAGE in read_answers(side / "answers" / "data.toml")
        assert team.mlreq(side, "check").out.strip() == "ok: no problems found"
        assert git(side, "status", "--porcelain") == ""
    assert (team.a / "form.toml").read_bytes() == (team.b / "form.toml").read_bytes()
    team.assert_nothing_lost()


def test_plain_git_pull_merges_the_form_by_question_too(team: Team):
    _tailor_both(team)
    team.sync(team.a)

    pulled = run(team.b, "git", "pull")

    assert pulled.returncode == 0, pulled.stderr
    assert "CONFLICT" not in pulled.stdout and "RuntimeWarning" not in pulled.stderr
    assert LEAKAGE in _ids(team.b) and SIGN_OFF in _ids(team.b)
    assert team.mlreq(team.b, "check").out.strip() == "ok: no problems found"


def test_the_same_question_reworded_on_both_sides_keeps_both_versions_visibly(team: Team):
    team.mlreq(team.a, "form", "reword", RESOURCES, "--text", "Which people and budget does it need?")
    team.mlreq(team.b, "form", "reword", RESOURCES, "--text", "What resources (data, time, people) are needed?")
    team.sync(team.a)

    merged = team.sync(team.b)

    assert f"form questions changed on both sides, both versions kept in form.toml: {RESOURCES}" in merged.out
    assert "mlreq form reword QID" in merged.out
    question = _question(team.b, RESOURCES)
    assert question["text"] == "What resources (data, time, people) are needed?"  # this side's stays
    assert question["mlreq"]["conflict"] == {"text": "Which people and budget does it need?"}
    text = (team.b / "form.toml").read_text()
    line = text.count("\n", 0, text.index(f'id = "{RESOURCES}"')) + 1
    checked = team.mlreq(team.b, "check").out
    assert f"form.toml:{line}: warning: question '{RESOURCES}' was changed on both sides of a sync (text)" in checked
    team.sync(team.a)
    assert _question(team.a, RESOURCES)["mlreq"]["conflict"] == {"text": "Which people and budget does it need?"}

    team.mlreq(team.a, "form", "reword", RESOURCES, "--text", "Which people, data and budget does it need?")
    team.sync(team.a)
    team.sync(team.b)
    for side in (team.a, team.b):
        settled = _question(side, RESOURCES)
        assert settled["text"] == "Which people, data and budget does it need?"
        assert "conflict" not in settled["mlreq"]
        assert team.mlreq(side, "check").out.strip() == "ok: no problems found"
    team.assert_nothing_lost()


def test_a_project_made_before_form_merging_gains_it_on_sync(team: Team):
    """Its .gitattributes names only the answer files: sync adds form.toml's line first."""
    (team.a / ".gitattributes").write_text("answers/*.toml merge=mlreq\n")
    git(team.a, "commit", "-q", "-am", "Older mlreq")
    team.sync(team.a)
    team.sync(team.b)
    _tailor_both(team)

    team.sync(team.a)
    second = team.sync(team.b)

    assert "merged by question" in second.out
    assert "form.toml merge=mlreq" in (team.b / ".gitattributes").read_text()
    assert LEAKAGE in _ids(team.b) and SIGN_OFF in _ids(team.b)
    team.sync(team.a)
    assert LEAKAGE in _ids(team.a) and SIGN_OFF in _ids(team.a)
    team.assert_nothing_lost()


def test_tailorings_that_cannot_merge_stop_sync_with_the_reason_and_change_nothing(team: Team):
    team.mlreq(team.a, "form", "depend", AUDIT, "--on", STORAGE)
    team.mlreq(team.b, "form", "depend", STORAGE, "--on", AUDIT)
    team.sync(team.a)
    head = git(team.b, "rev-parse", "HEAD")
    form = (team.b / "form.toml").read_bytes()

    refused = team.sync(team.b, ok=False)

    line = assert_one_line_error(refused)
    assert "form.toml" in line and "dependency cycle" in line and "undo the change on one side" in line
    assert "RuntimeWarning" not in line
    assert git(team.b, "rev-parse", "HEAD") == head and (team.b / "form.toml").read_bytes() == form
    assert git(team.b, "status", "--porcelain") == ""


# --------------------------------------------------------------------------- the rules

BASE = builtin_form_path("v3").read_bytes()


def _edit(change, base: bytes = BASE) -> bytes:
    document = tomlkit.parse(base.decode())
    change(document)
    return tomlkit.dumps(document).encode()


def _questions(document) -> dict:
    return {q["id"]: q for q in document["questions"]}


def _ids_of(data: bytes) -> list[str]:
    return [q["id"] for q in tomllib.loads(data.decode())["questions"]]


def _move_first_to_end_of_stage(document) -> None:
    tables = document["questions"]
    first = tables[0]
    del tables[0]
    tables.insert(5, first)


def test_an_order_changed_on_one_side_only_is_taken():
    moved = _edit(_move_first_to_end_of_stage)
    ours = _edit(lambda d: _questions(d)["data.privacy"].__setitem__("examples", "GDPR"))

    merged, conflicts = merge_forms(BASE, ours, moved, "form.toml")

    assert conflicts == [] and _ids_of(merged) == _ids_of(moved)
    assert _questions(tomllib.loads(merged.decode()))["data.privacy"]["examples"] == "GDPR"


def test_a_question_removed_here_and_changed_there_is_kept():
    def remove(document):
        del document["questions"][[q["id"] for q in document["questions"]].index(RESOURCES)]
        _questions(document)["scoping.budget-limit"]["mlreq"]["depends_on"] = [
            d for d in _questions(document)["scoping.budget-limit"]["mlreq"]["depends_on"] if d != RESOURCES
        ]

    removed = _edit(remove)
    changed = _edit(lambda d: _questions(d)[RESOURCES].__setitem__("text", "Which resources?"))

    merged, conflicts = merge_forms(BASE, removed, changed, "form.toml")

    assert conflicts == []
    assert _questions(tomllib.loads(merged.decode()))[RESOURCES]["text"] == "Which resources?"


def test_dependencies_added_on_both_sides_combine():
    ours = _edit(lambda d: _questions(d)["data.labelers"]["mlreq"]["depends_on"].append("data.ownership"))
    theirs = _edit(lambda d: _questions(d)["data.labelers"]["mlreq"]["depends_on"].append("scoping.budget-limit"))

    merged, conflicts = merge_forms(BASE, ours, theirs, "form.toml")

    depends = _questions(tomllib.loads(merged.decode()))["data.labelers"]["mlreq"]["depends_on"]
    assert conflicts == [] and depends[-2:] == ["data.ownership", "scoping.budget-limit"]


def test_a_role_renamed_differently_keeps_the_other_name_as_an_alias():
    def rename(name):
        return lambda d: next(r for r in d["roles"] if r["id"] == "legal-team").__setitem__("name", name)

    merged, _ = merge_forms(BASE, _edit(rename("Legal")), _edit(rename("Compliance")), "form.toml")

    role = next(r for r in tomllib.loads(merged.decode())["roles"] if r["id"] == "legal-team")
    assert role["name"] == "Legal" and "Compliance" in role["aliases"]


def test_a_dependency_cycle_made_by_the_two_sides_is_refused_by_the_driver(tmp_path: Path, capsys):
    ours = _edit(lambda d: _questions(d)["scoping.resources"]["mlreq"]["depends_on"].append("scoping.budget-limit"))
    theirs = _edit(lambda d: _questions(d)["scoping.budget-limit"]["mlreq"]["depends_on"].append("scoping.resources"))
    with pytest.raises(FormMergeError, match="dependency cycle"):
        merge_forms(BASE, ours, theirs, "form.toml")
    files = {name: tmp_path / name for name in ("base", "ours", "theirs")}
    for name, data in (("base", BASE), ("ours", ours), ("theirs", theirs)):
        files[name].write_bytes(data)

    status = main([str(files["base"]), str(files["ours"]), str(files["theirs"]), "form.toml"])

    assert status == REFUSED
    assert files["ours"].read_bytes() == ours  # untouched: git marks it conflicted
    err = capsys.readouterr().err
    assert err.startswith("mlreq merge driver: form.toml:") and "dependency cycle" in err
