"""A save changes an answer file's text in place without tomlkit (issue 14, "Speed"): the
file must come out byte for byte as tomlkit writes it, and a layout the splice does not
know goes to tomlkit, never to a wrong file."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlreq.projects.answers import AnswerFile, Entry
from mlreq.projects.answersplice import splice_entry

from test_tomlstr_property import HARD_CASES

IDS = ("data.data-source", "data.data-format", "data.privacy")
MLREQ_FILE = """\
# Data: answers of "Test" (MLOps Requirements Form).
# One table per question; edit freely, mlreq keeps your comments and layout.

["data.data-source"] # Where does the data come from?
status = "draft"
answer = \"\"\"
Telemetry, every 15 minutes.
Tickets.\"\"\"
notes = ""

["data.data-format"] # What format?
status = "needs-review"
answer = "JSON lines"
notes = "ask Ana"
review = "data.data-source changed (Ana, 2026-03-02)"
agreed_by = ["data-engineer", "legal"]

["data.privacy"] # Personal data?
status = "open"
answer = ""
notes = ""
"""
HAND_MADE = [
    MLREQ_FILE.replace('notes = "ask Ana"', 'notes = "ask Ana"  # per the workshop\n# a comment line'),
    MLREQ_FILE.replace('status = "draft"', '  status   =   "draft"   # indented by hand'),
    MLREQ_FILE.replace('answer = "JSON lines"', "answer = 'JSON lines'"),
    MLREQ_FILE.replace('answer = ""\n', "answer = '''\nliteral'''\n"),
    MLREQ_FILE.replace('agreed_by = ["data-engineer", "legal"]', "agreed_by = [ 'data-engineer' , \"legal\", ]"),
    MLREQ_FILE.replace('notes = ""\n\n["data.data-format"]', 'notes = ""\nowner = "Ana"\n\n["data.data-format"]'),
    MLREQ_FILE.rstrip("\n"),  # no newline at the end
    MLREQ_FILE.replace("\n\n", "\n"),  # no blank lines between tables
]
NOT_SPLICED = [
    MLREQ_FILE.replace("\n", "\r\n"),
    MLREQ_FILE.replace('["data.data-format"]', "[ 'data.data-format' ]"),
    MLREQ_FILE.replace('notes = "ask Ana"', 'notes = "ask Ana"\nextra = { a = 1 }'),
    MLREQ_FILE.replace('agreed_by = ["data-engineer", "legal"]', 'agreed_by = [\n  "data-engineer",\n  "legal",\n]'),
    # the real header spelled another way, a copy of mlreq's spelling inside an answer
    MLREQ_FILE.replace('["data.data-format"] #', '[ "data.data-format" ] #').replace(
        'Tickets."""', 'Tickets.\n["data.data-format"]\nstatus = "a"\nanswer = "b"\nnotes = "c"\nreview = "d"\nagreed_by = ["x"]\n[x"""'),
    MLREQ_FILE + '\n["data.data-format".mlreq]\nx = 1\n',
    MLREQ_FILE.replace('notes = ""\n\n["data.data-format"]', 'notes = ""\nsince = 2026-03-02\n\n["data.data-format"]'),
    MLREQ_FILE.replace('status = "open"', 'status = "open"\nchecked = true'),
    MLREQ_FILE + '\n[plain]\nnotes = "a bare table name"\n',
]

texts = st.one_of(st.sampled_from(HARD_CASES[:-2]), st.text(max_size=200))
entries = st.builds(
    Entry,
    answer=texts,
    status=st.sampled_from(("open", "draft", "agreed", "needs-review")),
    notes=st.one_of(st.just(""), texts),
    review=st.one_of(st.just(""), st.sampled_from(("x changed (Ana, 2026-03-02)", "two\nlines"))),
    conflict=st.one_of(st.just(""), texts),
    agreed_by=st.sampled_from(((), ("legal",), ("data-engineer", "legal"))),
)


def _both_ways(text: str, changes: list[tuple[str, Entry]]) -> tuple[bytes, bytes]:
    """The file after `changes`, made by the splice and by tomlkit alone."""
    path = Path("answers/data.toml")
    spliced = AnswerFile.parse(path, text.encode())
    by_tomlkit = AnswerFile.parse(path, text.encode())
    by_tomlkit.document  # noqa: B018 - a built document sends every change to tomlkit
    for question_id, entry in changes:
        spliced.set_entry(question_id, entry)
        by_tomlkit.set_entry(question_id, entry)
    return spliced.dumps(), by_tomlkit.dumps()


@pytest.mark.parametrize("text", [MLREQ_FILE, *HAND_MADE])
@settings(max_examples=int(os.environ.get("MLREQ_SPLICE_EXAMPLES", 2000 if os.environ.get("MLREQ_LONG_TESTS") else 40)),
          deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.lists(st.tuples(st.sampled_from(IDS), entries), min_size=1, max_size=3))
def test_the_splice_writes_what_tomlkit_writes(text: str, changes: list[tuple[str, Entry]]) -> None:
    current, data = text, tomllib.loads(text)
    for question_id, entry in changes:  # what the splice says the file reads as is what it reads as
        spliced_once = splice_entry(current, data, question_id, entry)
        assert spliced_once is not None, "this layout is spliced"
        assert tomllib.loads(spliced_once[0]) == spliced_once[1]
        current, data = spliced_once
    spliced, by_tomlkit = _both_ways(text, changes)
    assert spliced.decode() == by_tomlkit.decode() == current
    data = tomllib.loads(spliced.decode())
    for question_id, entry in dict(changes).items():
        assert AnswerFile.parse(Path("x.toml"), spliced).entry(question_id) == entry
        assert data[question_id].get("answer") == entry.answer


@pytest.mark.parametrize("text", NOT_SPLICED)
def test_a_layout_the_splice_does_not_know_goes_to_tomlkit(text: str) -> None:
    change = Entry(answer="new words", status="draft", review="", agreed_by=())
    assert splice_entry(text, tomllib.loads(text), "data.data-format", change) is None
    answers = AnswerFile.parse(Path("answers/data.toml"), text.encode())
    answers.set_entry("data.data-format", change)
    assert AnswerFile.parse(Path("x.toml"), answers.dumps()).entry("data.data-format") == change


def test_a_cli_answer_loads_no_tomlkit(project_dir: Path) -> None:
    """The commit path of `mlreq answer`: no GitPython, no tomlkit, for a file mlreq wrote."""
    code = (
        "import io, sys\n"
        "from mlreq.tui.cli import run\n"
        f"assert run(['answer', 'data.data-source', '--text', 'From the data lake', '--project', {str(project_dir)!r}],"
        " out=io.StringIO()) == 0\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('git', 'tomlkit'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
    assert "From the data lake" in (project_dir / "answers" / "data.toml").read_text(encoding="utf-8")
