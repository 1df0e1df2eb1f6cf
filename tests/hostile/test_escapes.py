"""Escape sequences planted in form.toml never reach a terminal raw, piped or not.

A form.toml from a remote can hold ESC, CSI and OSC sequences in stage and role names,
question texts and examples; printed raw they would retitle the terminal, hide text or
worse. Every command's output is checked through a pipe (`mlreq status | cat`), where no
terminal detection can help.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Hostile

QID = "data.data-source"
TITLE = "\x1b]2;PWNED\x07"
CSI = "\x1b[2J\x9b31m"
RAW = ("\x1b", "\x9b", "\x07")


def plant_escapes(root: Path) -> None:
    form = root / "form.toml"
    text = form.read_text("utf-8")
    text = text.replace('name = "Data"\n', f'name = "Data{CSI}{TITLE}"\n', 1)
    text = text.replace('name = "Business stakeholder"\n', f'name = "Business{CSI} stakeholder"\n', 1)
    text = text.replace('text = "Where does the data come from?"', f'text = "Where does the data come from?{TITLE}"', 1)
    text = text.replace('examples = "Owned data,', f'examples = "{CSI}Owned data,', 1)
    text = text.replace('title = "MLOps Requirements Form"', f'title = "MLOps{TITLE} Requirements Form"', 1)
    form.write_text(_toml_escaped(text), "utf-8")


def _toml_escaped(text: str) -> str:
    # TOML basic strings cannot hold raw controls: write them as \u escapes, as an attacker would.
    return "".join(f"\\u{ord(c):04x}" if c in "\x1b\x07\x9b" else c for c in text)


@pytest.fixture
def planted(hostile: Hostile) -> Hostile:
    hostile.plant(plant_escapes, "Tweak the form")
    assert hostile.clone().code == 0
    answered = hostile.mlreq("answer", QID, "--text", "Charger telemetry")
    assert answered.code == 0, answered
    return hostile


@pytest.mark.parametrize(
    "command",
    [
        ("status",),
        ("show", QID),
        ("impact", "data.ownership"),
        ("impact", QID),
        ("log", QID),
        ("log",),
        ("diff", "HEAD~1"),
        ("form", "diff", "v3", "project"),
        ("check",),
    ],
)
def test_piped_output_shows_controls_as_symbols(planted: Hostile, command):
    outcome = planted.mlreq(*command)

    assert outcome.code in (0, 1), outcome
    for raw in RAW:
        assert raw not in outcome.out, (command, outcome.out)
        assert raw not in outcome.err, (command, outcome.err)


def test_status_and_show_name_the_stage_visibly(planted: Hostile):
    status = planted.mlreq("status").out
    show = planted.mlreq("show", QID).out

    assert "Data␛[2J" in status
    assert "Where does the data come from?␛]2;PWNED␇" in show
    assert "Business␛[2J<U+009B>31m stakeholder" in show


def test_filter_notes_on_stderr_show_controls_as_symbols(planted: Hostile):
    outcome = planted.mlreq("export", "--stage", "data", "--status", "agreed")

    assert outcome.code == 0, outcome
    assert "␛" in outcome.err
    for raw in RAW:
        assert raw not in outcome.err
