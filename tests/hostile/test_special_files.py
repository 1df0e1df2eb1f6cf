"""FIFOs, oversized files and absurdly nested TOML: one clear line, never a hang or a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlreq.projects.safefile import MAX_FILE_BYTES

from .conftest import Hostile, assert_refused

QID = "data.data-source"
NESTED = "[[[[" * 2000 + "]]]]" * 2000


def _replace_with_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def test_fifo_answer_file_does_not_hang_any_command(hostile: Hostile):
    assert hostile.clone().code == 0
    _replace_with_fifo(hostile.victim / "answers" / "data.toml")

    for command in [("status",), ("show", QID), ("answer", QID, "--text", "x"), ("export",)]:
        assert_refused(hostile.mlreq(*command), "answers/data.toml", "FIFO")
    outcome = hostile.mlreq("check")
    assert outcome.code == 1 and "answers/data.toml: error: is a FIFO" in outcome.out
    hostile.assert_outside_untouched()


def test_fifo_form_file_does_not_hang(hostile: Hostile):
    assert hostile.clone().code == 0
    _replace_with_fifo(hostile.victim / "form.toml")

    assert_refused(hostile.mlreq("status"), "form.toml", "FIFO")


def test_oversized_answer_file_is_refused_unread(hostile: Hostile):
    assert hostile.clone().code == 0
    big = hostile.victim / "answers" / "data.toml"
    with open(big, "r+b") as handle:  # sparse: costs no disk, but its size is what counts
        handle.truncate(MAX_FILE_BYTES + 1)

    assert_refused(hostile.mlreq("status"), "answers/data.toml", "MiB")
    assert_refused(hostile.mlreq("answer", QID, "--text", "x"), "answers/data.toml", "MiB")
    assert big.stat().st_size == MAX_FILE_BYTES + 1


def test_deeply_nested_answer_file_from_a_remote(hostile: Hostile):
    hostile.plant(lambda root: (root / "answers" / "data.toml").write_text(f"x = {NESTED}\n"))
    assert hostile.clone().code == 0
    before = (hostile.victim / "answers" / "data.toml").read_bytes()

    for command in [("status",), ("show", QID), ("answer", QID, "--text", "x"), ("export",)]:
        assert_refused(hostile.mlreq(*command), "answers/data.toml", "nested too deeply")
    outcome = hostile.mlreq("check")
    assert outcome.code == 1 and "nested too deeply" in outcome.out and "Traceback" not in outcome.err
    assert (hostile.victim / "answers" / "data.toml").read_bytes() == before


def test_deeply_nested_form_file_from_a_remote(hostile: Hostile):
    hostile.plant(lambda root: (root / "form.toml").write_text((root / "form.toml").read_text() + f"\nx = {NESTED}\n"))

    outcome = hostile.clone()

    assert_refused(outcome, "form.toml", "nested too deeply")
    assert not hostile.victim.exists()


@pytest.mark.parametrize("command", [("diff", "HEAD~2", "HEAD~1"), ("export", "--at", "HEAD~1"), ("log", QID), ("log",)])
def test_deeply_nested_history_is_a_warning_not_a_traceback(hostile: Hostile, command):
    hostile.plant(lambda root: (root / "answers" / "data.toml").write_text(f"x = {NESTED}\n"))
    hostile.plant(lambda root: (root / "answers" / "data.toml").write_text(""), "Repair")
    assert hostile.clone().code == 0

    outcome = hostile.mlreq(*command)

    assert outcome.code == 0, outcome
    assert "Traceback" not in outcome.err
