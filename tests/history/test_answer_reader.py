"""The fast reader of answer files agrees with tomllib on every text it accepts.

History reads stage files with `answerread.read_answers` and falls back to tomllib when it
returns None; a text it accepts must give exactly tomllib's tables, and a text tomllib
refuses must never be accepted. Files are written the way mlreq writes them (AnswerFile,
tomlkit, `toml_string`), then bent by hand edits.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mlreq.projects.answerread import read_answers
from mlreq.projects.answers import AnswerFile, Entry

LONG = os.environ.get("MLREQ_LONG_TESTS") == "1"
EXAMPLES = 2000 if LONG else 150

TEXT = st.text(st.sampled_from(list('ab "\'\n\r\t\\#[]=,.x') + ["\x00", "\x7f", "\u2028", "é", "\ufeff"]), max_size=30)


def written(entries: dict[str, Entry]) -> str:
    """An answer file as `Project.save` leaves it."""
    answers = AnswerFile.new(Path("data.toml"), "# Data: answers\n# edit freely", [(qid, f"Question {qid}?") for qid in entries])
    for qid, entry in entries.items():
        answers.set_entry(qid, entry)
    return answers.dumps().decode("utf-8")


def agrees(text: str) -> None:
    fast = read_answers(text)
    if fast is None:
        return
    assert fast == tomllib.loads(text), text  # accepted: exactly tomllib's reading (and tomllib can read it)


def test_a_file_as_mlreq_writes_it_is_read_without_tomllib():
    text = written({
        "data.a": Entry(answer="Line one\nline \"two\" with ''' inside", status="agreed", notes="n", agreed_by=("x", "y")),
        "data.b": Entry(answer="", review="why"),
    })

    assert read_answers(text) == tomllib.loads(text)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT, st.lists(TEXT, max_size=2)), min_size=1, max_size=3))
def test_written_files_read_as_tomllib_reads_them(values):
    entries = {f"data.q{i}": Entry(answer=a, notes=n, agreed_by=tuple(r)) for i, (a, n, r) in enumerate(values)}
    text = written(entries)
    agrees(text)


@settings(max_examples=EXAMPLES, deadline=None)
@given(TEXT, TEXT, st.data())
def test_hand_edited_files_are_read_as_tomllib_reads_them_or_left_to_it(answer, insert, data):
    text = written({"data.a": Entry(answer=answer), "data.b": Entry(notes="kept")})
    at = data.draw(st.integers(0, len(text)))
    cut = data.draw(st.integers(0, 4))
    edited = text[:at] + insert + text[at + cut :]
    try:
        tomllib.loads(edited)
    except tomllib.TOMLDecodeError:
        assert read_answers(edited) is None, edited  # broken files are tomllib's to report
        return
    agrees(edited)


def test_shapes_outside_what_mlreq_writes_go_to_tomllib():
    for text in (
        '["a"]\nx = 1\n',  # a number
        '["a"]\nx = "1"\nx = "2"\n',  # a repeated key
        '["a"]\n["a"]\n',  # a repeated table
        'x = "top level"\n',
        '["a"]\nanswer = """ends with a quote""""\n',
        '["a"]\nx = "esc\\"aped"\n',
        '["a"]\r\nx = ""\r\n',
        "[a]\nx = ''\n",
    ):
        assert read_answers(text) is None, text
