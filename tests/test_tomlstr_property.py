"""Any answer text round-trips exactly: through mlreq's reader and through stdlib tomllib.

Hypothesis drives the encoder and the answer file directly (fast, no git); the explicit
hard cases also go through the real `Project.save`, commit and all.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from helpers import commit_count, git
from mlreq.projects import Entry, InvalidInputError, Project, create_project
from mlreq.projects.answers import AnswerFile
from mlreq.projects.tomlstr import toml_string

QID = "data.data-source"
OTHER = "data.data-format"

HARD_CASES = [
    "",
    '"""',
    "'''",
    'ends with a quote"',
    '""',
    '"\n"',
    '""""""',
    'a""b"""c""""d',
    "\\",
    "back\\slash \\n not a newline \\u0041 \\\\",
    "trailing backslash\\",
    "\r\n",
    "windows\r\nline\r\nends\r\n",
    "lone\rcarriage",
    "\ttabs\tand\n\tindents",
    "".join(chr(c) for c in range(0x20)) + "\x7f",
    "\x1b]2;PWNED\x07 \x1b[31mred\x1b[0m",
    "\x80\x85\x9b C1 controls",
    "emoji 🧪👩🏽‍🔬🇸🇪 and ZWJ",
    "right-to-left: \u202eevil\u202c עברית العربية",
    "\ufeffBOM at start",
    "\u2028line separator\u2029paragraph",
    "\U0010ffff max code point \ufffe \uffff",
    "\n",
    "\n\nleading newlines",
    "trailing newlines\n\n",
    '["data.data-source"]\nstatus = "agreed"\n',
    "# not a comment\n'''\n\"\"\"",
    "x" * 100_000,
    ("line with \"quotes\" and \\ backslash\n" * 3000)[:100_000],
]


def _roundtrip_file(text: str, tmp: Path) -> None:
    """Write `text` as an answer with mlreq's encoder; both readers must return it exactly."""
    path = tmp / "data.toml"
    answers = AnswerFile.new(path, "header", [(QID, "Where does the data come from?"), (OTHER, "Format?")])
    answers.set_entry(QID, Entry(answer=text, status="draft", notes=text))
    data = answers.dumps()

    parsed = tomllib.loads(data.decode("utf-8"))
    assert parsed[QID]["answer"] == text
    assert parsed[QID]["notes"] == text
    assert parsed[OTHER]["answer"] == ""
    reread = AnswerFile.parse(path, data, "answers/data.toml")
    assert reread.entry(QID) == Entry(answer=text, status="draft", notes=text)

    # Changing another question keeps this one byte for byte.
    reread.set_entry(OTHER, Entry(answer="other", status="draft"))
    again = reread.dumps()
    assert tomllib.loads(again.decode("utf-8"))[QID]["answer"] == text
    assert data.split(f'["{OTHER}"]'.encode())[0] == again.split(f'["{OTHER}"]'.encode())[0]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(st.characters(blacklist_categories=("Cs",))))
@example('"""')
@example("'''")
@example("\\")
@example("\r\n")
@example("\t")
@example("\x00\x1f\x7f")
@example("🧪")
@example("\u202eשלום")
def test_any_text_round_trips_through_the_answer_file(tmp_path, text):
    _roundtrip_file(text, tmp_path)


@pytest.mark.parametrize("text", HARD_CASES, ids=range(len(HARD_CASES)))
def test_hard_cases_round_trip_through_the_answer_file(tmp_path, text):
    _roundtrip_file(text, tmp_path)


def test_string_item_source_reads_back(tmp_path):
    for text in HARD_CASES:
        document = f"a = {toml_string(text).as_string()}\n"
        assert tomllib.loads(document)["a"] == text


def test_hard_cases_round_trip_through_project_save(tmp_path):
    project, _ = create_project(tmp_path / "proj", name="Round trip")
    path = project.path_of("answers/data.toml")
    for number, text in enumerate(HARD_CASES):
        # Make each case differ from the previous, so each save changes something.
        answer = f"{text}{number}"
        result = project.save(QID, answer=answer)
        assert result.ok and result.commit, (number, result)

        assert project.entry(QID).answer == answer
        assert Project.open(project.root).entry(QID).answer == answer
        assert tomllib.loads(path.read_text(encoding="utf-8"))[QID]["answer"] == answer
        committed = tomllib.loads(git(project.root, "show", "HEAD:answers/data.toml"))
        assert committed[QID]["answer"] == answer
    assert commit_count(project.root) == 1 + len(HARD_CASES)
    assert git(project.root, "status", "--porcelain") == ""


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1))
def test_any_text_round_trips_through_project_save(tmp_path_factory, text):
    root = tmp_path_factory.getbasetemp() / "property-project"
    if not root.exists():
        create_project(root, name="Property")
    project = Project.open(root)
    result = project.save(OTHER, answer=text)

    assert result.ok
    assert project.entry(OTHER).answer == text
    data = tomllib.loads((root / "answers" / "data.toml").read_text(encoding="utf-8"))
    assert data[OTHER]["answer"] == text
    assert git(root, "status", "--porcelain") == ""


@pytest.mark.parametrize("text", ["\ud800", "ok until \udfff", "line 1\nline 2 \udcff"])
def test_lone_surrogate_is_refused_and_nothing_is_written(tmp_path, text):
    project, _ = create_project(tmp_path / "proj", name="Surrogates")
    path = project.path_of("answers/data.toml")
    before = path.read_bytes()

    with pytest.raises(InvalidInputError) as caught:
        project.save(QID, answer=text)

    message = str(caught.value)
    assert "surrogate" in message and "U+" in message and "UTF-8" in message
    assert caught.value.exit_code == 2
    assert path.read_bytes() == before
    assert commit_count(project.root) == 1
    assert list((tmp_path / "proj" / "answers").glob(".*.tmp")) == []


def test_lone_surrogate_in_notes_is_refused(project):
    with pytest.raises(InvalidInputError, match="notes"):
        project.save(QID, answer="fine", notes="\ud83d")
    assert project.entry(QID) == Entry()
