"""Committed symbolic links: mlreq never reads or writes through them, and says so in one line."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .conftest import Hostile, assert_refused

QID = "data.data-source"
READ_COMMANDS = [("status",), ("show", QID), ("export", "--format", "json"), ("check",)]


def _link(path: Path, target: Path | str) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    path.symlink_to(target)


def test_answer_file_linked_to_a_secret_is_never_read_saved_or_pushed(hostile: Hostile):
    hostile.plant(lambda root: _link(root / "answers" / "data.toml", hostile.outside / "credentials.toml"))
    assert hostile.clone().code == 0

    for command in READ_COMMANDS:
        outcome = hostile.mlreq(*command)
        if command == ("check",):  # check lists every problem instead of stopping at the first
            assert outcome.code == 1 and "answers/data.toml" in outcome.out and "symbolic link" in outcome.out
            assert "SECRET" not in outcome.out
        else:
            assert_refused(outcome, "answers/data.toml", "symbolic link")
    assert_refused(hostile.mlreq("answer", QID, "--text", "Charger telemetry"), "answers/data.toml", "symbolic link")
    assert_refused(hostile.mlreq("sync"), "symbolic link")

    assert (hostile.victim / "answers" / "data.toml").is_symlink()
    hostile.assert_outside_untouched()


def test_answers_folder_linked_outside_gets_no_write(hostile: Hostile):
    hostile.plant(lambda root: _link(root / "answers", hostile.outside / "dotfiles"))
    assert hostile.clone().code == 0

    assert_refused(hostile.mlreq("answer", QID, "--text", "Charger telemetry"), "answers", "symbolic link")
    assert_refused(hostile.mlreq("status"), "answers", "symbolic link")

    hostile.assert_outside_untouched()


def test_state_folder_linked_outside_gets_no_lock_draft_or_last_sync(hostile: Hostile):
    # `.mlreq/` in .gitignore matches folders only: a link of that name can be committed.
    hostile.plant(lambda root: _link(root / ".mlreq", hostile.outside / "dotfiles"))
    assert hostile.clone().code == 0

    assert_refused(hostile.mlreq("answer", QID, "--text", "Charger telemetry"), ".mlreq", "symbolic link")
    assert_refused(hostile.mlreq("sync"), ".mlreq", "symbolic link")
    checked = hostile.mlreq("check")
    assert checked.code == 1 and ".mlreq: error: is a symbolic link" in checked.out

    hostile.assert_outside_untouched()


def test_drafts_never_go_through_a_linked_state_folder(hostile: Hostile, tmp_path, monkeypatch):
    from mlreq.projects.drafts import DraftStore
    from mlreq.projects.answers import EMPTY

    hostile.plant(lambda root: _link(root / ".mlreq", hostile.outside / "dotfiles"))
    assert hostile.clone().code == 0
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "victim" / "state"))  # inside, to keep outside/ exact
    store = DraftStore(hostile.victim)

    written = store.write(QID, "typed text", EMPTY)

    assert hostile.victim / "state" in written.parents  # the rescue folder, not the linked one
    assert [d.text for d in store.all()] == ["typed text"]
    hostile.assert_outside_untouched()


def test_requirement_drafts_never_go_through_a_linked_state_folder(hostile: Hostile, tmp_path, monkeypatch):
    from mlreq.projects.reqdrafts import RequirementDrafts

    hostile.plant(lambda root: _link(root / ".mlreq", hostile.outside / "dotfiles"))
    assert hostile.clone().code == 0
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "victim" / "state"))
    store = RequirementDrafts(hostile.victim, "1-live00")

    written = store.write(QID, {"text": "The system shall log.", "criteria": ["one"]})

    assert hostile.victim / "state" in written.parents
    assert store.newest(QID).values == {"text": "The system shall log.", "criteria": ["one"]}
    store.discard(QID)
    assert store.newest(QID) is None and not written.exists()
    hostile.assert_outside_untouched()


@pytest.mark.parametrize("name", ["mlreq.toml", "form.toml"])
def test_project_file_linked_outside_is_refused(hostile: Hostile, name: str):
    copy = hostile.tmp / "outside" / "copy"

    def plant(root: Path) -> None:
        copy.mkdir()
        shutil.copy(root / name, copy / name)
        _link(root / name, copy / name)

    hostile.plant(plant)
    hostile.before = {**hostile.before, **{f"copy/{name}": (copy / name).read_bytes(), "copy": "folder"}}
    hostile.before = dict(sorted(hostile.before.items()))
    cloned = hostile.clone()

    if name == "mlreq.toml":  # not a project mlreq can open: nothing is left behind
        assert_refused(cloned, name, "symbolic link")
        assert not hostile.victim.exists()
    else:
        assert_refused(cloned, name, "symbolic link")
        assert not hostile.victim.exists()
    hostile.assert_outside_untouched()


def test_link_to_dev_zero_is_refused_at_once(hostile: Hostile):
    hostile.plant(lambda root: _link(root / "answers" / "data.toml", "/dev/zero"))
    assert hostile.clone().code == 0

    for command in [("status",), ("show", QID), ("answer", QID, "--text", "x")]:
        assert_refused(hostile.mlreq(*command), "answers/data.toml", "symbolic link")
    hostile.assert_outside_untouched()


def test_link_to_a_folder_above_the_project_as_an_extra_answer_file(hostile: Hostile):
    # Any answers/*.toml is read; a link there must not pull in a file from outside.
    hostile.plant(lambda root: _link(root / "answers" / "zz.toml", hostile.outside / "credentials.toml"))
    assert hostile.clone().code == 0

    outcome = hostile.mlreq("export", "--format", "json")

    assert_refused(outcome, "answers/zz.toml", "symbolic link")
    assert "SECRET" not in outcome.out
    hostile.assert_outside_untouched()


def test_relative_link_escaping_the_project_is_refused(hostile: Hostile):
    hostile.plant(lambda root: _link(root / "answers" / "data.toml", Path("..") / ".." / "outside" / "credentials.toml"))
    assert hostile.clone().code == 0
    assert os.path.exists(hostile.victim / "answers" / "data.toml")  # the link resolves

    assert_refused(hostile.mlreq("answer", QID, "--text", "x"), "answers/data.toml", "symbolic link")
    hostile.assert_outside_untouched()


def test_stage_id_naming_a_file_outside_answers_is_refused(hostile: Hostile):
    def plant(root: Path) -> None:
        form = root / "form.toml"
        form.write_text(form.read_text().replace('id = "data"\n', 'id = "../../outside/dotfiles/config"\n', 1).replace(
            'stage = "data"\n', 'stage = "../../outside/dotfiles/config"\n'))

    hostile.plant(plant)

    outcome = hostile.clone()

    assert_refused(outcome, "form.toml", "stage")
    hostile.assert_outside_untouched()


def test_stage_file_names_stay_inside_answers():
    from mlreq.projects.errors import ProjectFileError
    from mlreq.projects.layout import answers_file

    assert answers_file("data") == "answers/data.toml"
    for hostile_id in ("../config", "/etc/passwd", ".hidden", "a/b", "", "x\x00"):
        with pytest.raises(ProjectFileError):
            answers_file(hostile_id)


def test_a_link_arriving_by_sync_is_refused_and_nothing_is_pushed(hostile: Hostile):
    assert hostile.clone().code == 0
    hostile.plant(lambda root: _link(root / "answers" / "data.toml", hostile.outside / "credentials.toml"))

    outcome = hostile.mlreq("sync")

    assert_refused(outcome, "answers/data.toml", "symbolic link")
    assert_refused(hostile.mlreq("answer", QID, "--text", "Charger telemetry, edited"), "answers/data.toml")
    assert_refused(hostile.mlreq("sync"), "answers/data.toml")
    hostile.assert_outside_untouched()


def test_dangling_folder_link_makes_no_folder_outside(hostile: Hostile):
    hostile.plant(lambda root: _link(root / "answers", hostile.outside / "made-by-mlreq"))
    assert hostile.clone().code == 0

    assert_refused(hostile.mlreq("answer", QID, "--text", "x"), "answers", "symbolic link")

    assert not (hostile.outside / "made-by-mlreq").exists()
    hostile.assert_outside_untouched()
