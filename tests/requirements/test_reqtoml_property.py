"""The fast TOML reader reads exactly what tomllib reads, and requirement edits touch only their own values.

`bank.tomlfast` replaces tomllib for mlreq's own plain TOML (form.toml, requirements.toml)
and `projects.reqtoml` rewrites only the values that change (issue 13, "Speed"). Hypothesis
compares the reader with tomllib on random documents (it must give the same data or give
up), and writes random requirement texts (quotes, line breaks, control characters, any
Unicode) that must read back exactly; random merges must give what the tomlkit path gave.
The hand-edited file goes through the real CLI.
Bounded examples by default; MLREQ_LONG_TESTS=1 runs many more (the seed is printed on failure).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from helpers import git
from mlreq.bank import tomlfast
from mlreq.projects import reqtoml
from mlreq.projects.requirements import _ORDER, parse_requirements

LONG = os.environ.get("MLREQ_LONG_TESTS") == "1"
SOURCE, OTHER = "data.data-source", "scoping.resources"

# ------------------------------------------------------------------ the reader against tomllib

KEYS = st.sampled_from(["id", "text", "a", "b-c", "_x", "9", "true", "requirement", "conflict", '"q"', "a.b", "", "é"])
PIECES = st.sampled_from([
    '"', "'", "\\", "\\n", "\\t", "\\u00e9", "\\U0001F600", "\\ud800", "\\x41", "\\e", "\\\n", "\n", "\t", " ", "#",
    '""', '"""', "''", "'''", "a", "é", "🧪", "\r\n", "\r", "\x00", "\x7f", "\x1b", "=", ",", "[", "]", "{", "}",
])
RAW = st.lists(PIECES, max_size=8).map("".join)


def _string_value(body: str, kind: int) -> str:
    return ['"{}"', "'{}'", '"""{}"""', "'''{}'''", '"""\n{}"""', "'''\n{}'''"][kind].format(body)


VALUES = st.one_of(
    st.builds(_string_value, RAW, st.integers(0, 5)),
    st.sampled_from(["0", "-0", "+7", "42", "007", "1_000", "1.5", "0x1F", "true", "false", "True", "1979-05-27",
                     "inf", "[]", "[ ]", "[\n]", '["a"]', '["a", "b",]', "['x', \"y\"]", '[\n  "a",\n  "b",\n]',
                     '["a" "b"]', "[1, 2]", '["a", 1]', '[[ "a" ]]', "{}", '{ a = "b" }', '["a", # c\n]', '[,]']),
)
STATEMENTS = st.one_of(
    st.builds(lambda k, v, tail: f"{k} = {v}{tail}", KEYS, VALUES, st.sampled_from(["", " ", "  # note", "#x", " x"])),
    st.builds(lambda k: f"[{k}]", KEYS),
    st.builds(lambda k: f"[[{k}]]", KEYS),
    st.builds(lambda a, b: f"[{a}.{b}]", KEYS, KEYS),
    st.sampled_from(["", "# a comment", "  ", "\t# indented", "[[requirement]]", "[requirement.conflict]",
                     "[ requirement ]", "[[ requirement ]]", "[requirement . conflict]", "[[requirement]] # c",
                     "[[requirement]", "key=1", "key =", " = 1"]),
)
ANY_DOCUMENTS = st.builds(
    lambda lines, sep, end: sep.join(lines) + end,
    st.lists(STATEMENTS, max_size=12), st.sampled_from(["\n", "\n", "\r\n"]), st.sampled_from(["\n", "", "\n\n"]),
)
# Mostly valid documents too, so that both readers have something to agree on.
SOME_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
PLAIN_VALUES = st.one_of(
    SOME_TEXT.map(reqtoml.render_string),
    SOME_TEXT.map(lambda t: reqtoml.render_string(t, multiline=False)),
    SOME_TEXT.filter(lambda t: not set(t) & set("'\n\r\x7f") and t.isprintable()).map(lambda t: f"'{t}'"),
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(["true", "false"]),
    st.lists(SOME_TEXT.map(lambda t: reqtoml.render_string(t, multiline=False)), max_size=3).map(
        lambda items: "[" + ", ".join(items) + "]"),
)
PLAIN_STATEMENTS = st.one_of(
    st.builds(lambda k, v: f"{k} = {v}", st.sampled_from(["id", "text", "from", "a", "b-2"]), PLAIN_VALUES),
    st.sampled_from(["[[requirement]]", "[requirement.conflict]", "[form]", "[[questions]]", "[questions.mlreq]", "",
                     "# a comment"]),
)
PLAIN_DOCUMENTS = st.lists(PLAIN_STATEMENTS, max_size=12).map(lambda lines: "\n".join(lines) + "\n")
DOCUMENTS = st.one_of(ANY_DOCUMENTS, PLAIN_DOCUMENTS)


def _tomllib(text: str) -> dict | None:
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return None


@settings(max_examples=3000 if LONG else 300, deadline=None, print_blob=True)
@given(DOCUMENTS)
@example('a = """x""""\nb = \'\'\'y\'\'\'\'\'\n')
@example('[[requirement]]\nid = "REQ-001"\n[requirement.conflict]\ntext = "x"\n[[requirement]]\n[requirement.conflict]\n')
@example('[[q]]\n[form]\n[q.mlreq]\n')
@example("a = -0\nb = +1\n")
@example('a = "\\u0000"\n')
def test_the_fast_reader_reads_what_tomllib_reads_or_gives_up(text: str) -> None:
    fast, reference = tomlfast.loads(text), _tomllib(text)
    if reference is None:
        assert fast is None, f"tomllib refuses this, the fast reader read {fast!r}"
    else:
        assert fast is None or fast == reference


def test_the_fast_reader_reads_mlreqs_own_files() -> None:
    """The point of it: the forms mlreq ships and the requirements it writes are never left to tomllib."""
    for form in sorted((Path(__file__).parents[2] / "bank" / "data" / "forms").glob("*.toml")):
        text = form.read_text("utf-8")
        assert tomlfast.loads(text) == tomllib.loads(text), form.name
    text = reqtoml.render_file(["comment"], 2, [_fields("REQ-001", 'a "quoted"\ntext\t\x1b'), _fields("REQ-002", "x")])
    assert tomlfast.loads(text) == tomllib.loads(text)


# ------------------------------------------------------------------ writing requirements

TEXTS = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


def _fields(requirement_id: str, text: str, criteria: tuple[str, ...] = ("a criterion",), **more: object) -> dict:
    fields = {"id": requirement_id, "text": text, "pattern": "ubiquitous", "from": [SOURCE], "criteria": list(criteria),
              "priority": "medium", "status": "draft"}
    fields.update(more)
    return {k: fields[k] for k in _ORDER if k in fields}


@settings(max_examples=1000 if LONG else 80, deadline=None, print_blob=True)
@given(st.lists(TEXTS, min_size=1, max_size=4), st.lists(TEXTS, max_size=3), TEXTS, st.integers(0, 3))
@example(['"""', "'''", 'ends with a quote"', "\r\n", "\\u0041", "\x00\x7f\x1b[31m", "line\nbreak\n"], ['"', "\n"], "\r", 0)
def test_any_text_is_written_and_read_back_exactly(texts: list[str], criteria: list[str], new_text: str, index: int) -> None:
    tables = [_fields(f"REQ-{n + 1:03d}", text, tuple(criteria), review=text, conflict={"text": text} if text else {})
              for n, text in enumerate(texts)]
    tables = [{k: v for k, v in t.items() if v != {}} for t in tables]
    text = reqtoml.render_file(["Requirements"], len(tables), tables)
    assert tomllib.loads(text) == tomlfast.loads(text) == {"last_id": len(tables), "requirement": tables}

    document = reqtoml.read(text)
    assert document is not None
    index %= len(tables)
    change = {"text": new_text, "criteria": [new_text, *criteria], "review": None, "owner": new_text or None,
              "conflict": {"text": new_text, "owner": "x"} if new_text else None}
    added = _fields("REQ-099", new_text)
    edited = reqtoml.edit(document, {index: change}, order=_ORDER, added=[added], last_id=99)
    expected = [dict(t) for t in tables]
    for key, value in change.items():
        if value is None:
            expected[index].pop(key, None)
        else:
            expected[index][key] = value
    assert tomllib.loads(edited.text) == edited.data == {"last_id": 99, "requirement": [*expected, added]}
    # Every other requirement keeps its bytes: the text before and after the edited one is unchanged.
    start, end, _ = document.tables[index]
    new_start, new_end, _ = edited.tables[index]
    assert edited.text[:new_start].replace("last_id = 99", f"last_id = {len(tables)}", 1) == text[:start]
    assert edited.text[new_end:].startswith(text[end:]) and new_start == start + len("99") - len(str(len(tables)))
    _assert_spans_read_as_tables(edited)

    if len(tables) > 1:  # dropping another one (as a merge does) moves nothing else either
        gone = (index + 1) % len(tables)
        dropped = reqtoml.edit(edited, {}, order=_ORDER, dropped=[gone])
        kept = [t for n, t in enumerate(edited.data["requirement"]) if n != gone]
        assert tomllib.loads(dropped.text) == dropped.data == {"last_id": 99, "requirement": kept}
        old_spans = [span for n, span in enumerate(edited.tables) if n != gone]
        assert [dropped.text[s:e] for s, e, _ in dropped.tables] == [edited.text[s:e] for s, e, _ in old_spans]
        _assert_spans_read_as_tables(dropped)


def _assert_spans_read_as_tables(document: reqtoml.RequirementsText) -> None:
    """The spans the edit computed are where each table is (later edits rely on them)."""
    for (start, end, id_at), table in zip(document.tables, document.data["requirement"], strict=True):
        alone = reqtoml.read(document.text[start:end])
        assert alone is not None and alone.data == {"requirement": [table]}
        assert id_at == -1 or document.text[id_at:].startswith("id = ")
    if "last_id" in document.top:
        start, end = document.top["last_id"]
        assert int(document.text[start:end]) == document.data["last_id"]


# ------------------------------------------------------------------ a hand-edited file, through the CLI

HAND_EDITED = '''\
# Our requirements, edited by hand.   Keep this header!
last_id = 3   # the highest id so far

[[requirement]]
# the charger one
status = "agreed"     # agreed in the workshop of 12 May
id   =   "REQ-001"
text = 'When a charger reports a fault code, the system shall predict the failing part.'
pattern = "event"
from = [ "data.data-source" ,
         "scoping.resources", ]
criteria = ["95% within 5 minutes"]
priority = "high"
owner = "data-scientist"

# ---------------------------------------------------------------- the logs

[[requirement]]
id = "REQ-002"
text = """
The system shall keep every raw log
for 2 years."""
pattern = "ubiquitous"
from = ["scoping.resources"]
criteria = []   # TODO
priority = "low"
status = "draft"
[[requirement]]
id = "REQ-003"
text = "The system shall \\u00e9crire \\"tout\\"."
pattern = "ubiquitous"
from = ["data.data-source"]
priority = "medium"
status = "draft"

# trailing notes stay too
'''


def _commit_hand_edited(project_dir: Path) -> None:
    (project_dir / "requirements.toml").write_text(HAND_EDITED, encoding="utf-8")
    git(project_dir, "add", "requirements.toml")
    git(project_dir, "commit", "-q", "-m", "Requirements written by hand")


def test_editing_a_hand_edited_file_changes_only_that_value(cli, project_dir: Path) -> None:
    _commit_hand_edited(project_dir)
    before = (project_dir / "requirements.toml").read_text("utf-8")
    assert cli("req", "edit", "REQ-002", "--text", 'The system shall keep "every" log\nfor 3 years.', "--project", project_dir).code == 0
    after = (project_dir / "requirements.toml").read_text("utf-8")
    assert after == before.replace('"""\nThe system shall keep every raw log\nfor 2 years."""',
                                   '"""\nThe system shall keep "every" log\nfor 3 years."""')
    assert parse_requirements(after.encode()).get("REQ-002").text == 'The system shall keep "every" log\nfor 3 years.'

    assert cli("req", "new", "--from", SOURCE, "--text", "The system shall log faults.", "--project", project_dir).out.strip() == "REQ-004"
    appended = (project_dir / "requirements.toml").read_text("utf-8")
    assert appended.startswith(after.replace("last_id = 3 ", "last_id = 4 "))  # comment and spacing kept
    assert tomllib.loads(appended)["requirement"][-1]["text"] == "The system shall log faults."


def test_a_flag_from_an_answer_change_rewrites_only_the_flagged_values(cli, project_dir: Path) -> None:
    assert cli("answer", SOURCE, "--text", "Charger logs from the CPMS.", "--project", project_dir).code == 0
    _commit_hand_edited(project_dir)
    before = (project_dir / "requirements.toml").read_text("utf-8")
    assert cli("answer", SOURCE, "--text", "Only the weather service, no charger logs.", "--project", project_dir).code == 0
    after = (project_dir / "requirements.toml").read_text("utf-8")
    data = tomllib.loads(after)["requirement"]
    assert [r["status"] for r in data] == ["needs-review", "draft", "needs-review"]
    # REQ-001's status keeps its comment; the review goes after the fields before it; REQ-002 is untouched.
    assert 'status = "needs-review"     # agreed in the workshop of 12 May' in after
    assert after.split("# ---")[1] == before.split("# ---")[1].replace(
        'priority = "medium"\nstatus = "draft"\n', f'priority = "medium"\nstatus = "needs-review"\nreview = "{data[2]["review"]}"\n')
    assert after.startswith(before.split("owner =")[0].replace('status = "agreed"', 'status = "needs-review"'))


HARD_TEXTS = [
    'The system shall quote "this", \'that\' and """all of it""".',
    "The system shall keep\nline breaks\r\nand CR LF, tabs\tand a trailing quote\"",
    "The system shall show \x1b[31mcolour codes\x1b[0m, \x00 and \x7f as they are.",
    "Le système doit gérer 🧪 et العربية, \\u0041 is not an escape, nor is \\n.",
]


def test_hard_texts_written_through_the_cli_read_back_exactly(cli, project_dir: Path) -> None:
    assert cli("answer", SOURCE, "--text", "Charger logs.", "--project", project_dir).code == 0
    for text in HARD_TEXTS:
        assert cli("req", "new", "--from", SOURCE, "--text", text, "--criterion", text, "--project", project_dir).code == 0
    assert cli("req", "edit", "REQ-002", "--text", HARD_TEXTS[0] + "\n" + HARD_TEXTS[2], "--project", project_dir).code == 0
    stored = tomllib.loads((project_dir / "requirements.toml").read_text("utf-8"))["requirement"]
    expected = [*HARD_TEXTS]
    expected[1] = HARD_TEXTS[0] + "\n" + HARD_TEXTS[2]
    assert [r["text"] for r in stored] == expected
    assert [r["criteria"] for r in stored] == [[t] for t in HARD_TEXTS]
    assert git(project_dir, "status", "--porcelain").strip() == ""


def test_merging_by_editing_values_gives_what_tomlkit_gave(monkeypatch) -> None:
    """The merge driver edits our text value by value; on random merges it must give the same
    requirements as the tomlkit path it replaced (still used for layouts tomlfast leaves alone)."""
    import random
    from dataclasses import replace

    from mlreq.projects import reqmerge
    from mlreq.projects.requirements import Requirement, _parsed, requirement_fields

    seed = random.randrange(2**32)
    rng = random.Random(seed)

    def file_of(requirements: list[Requirement], last_id: int) -> bytes:
        return reqtoml.render_file(["x"], last_id, [requirement_fields(r) for r in requirements]).encode()

    def changed(requirements: list[Requirement], side: str) -> list[Requirement]:
        out = []
        for r in requirements:
            roll = rng.random()
            if roll < 0.1:
                continue  # deleted by hand
            if roll < 0.3:
                r = replace(r, text=f'{r.text} "{side}"')
            elif roll < 0.4:
                r = replace(r, status="agreed")
            elif roll < 0.5:
                r = replace(r, criteria=(*r.criteria, f"c {side}\nline"))
            elif roll < 0.6:
                r = replace(r, review=f"why {side}", status="needs-review", owner=side)
            out.append(r)
        return out + [Requirement(f"REQ-{len(requirements) + 1 + j:03d}", f"new {side} {j}", "ubiquitous", (SOURCE,))
                      for j in range(rng.randint(0, 2))]

    for _ in range(300 if LONG else 40):
        base = [Requirement(f"REQ-{i:03d}", f"The system shall {i}", "ubiquitous", (SOURCE,), ("c",)) for i in range(1, rng.randint(2, 7))]
        ours, theirs = changed(base, "ours"), changed(base, "theirs")
        files = file_of(base, len(base)), file_of(ours, len(base) + 3), file_of(theirs, len(base) + 3)
        merged = []
        for reader in (reqtoml.read, lambda text: None):  # by values, then by tomlkit
            monkeypatch.setattr(reqtoml, "read", reader)
            _parsed.clear()
            try:
                merged.append(tomllib.loads(reqmerge.merge_requirement_files(*files, "requirements.toml")[0].decode()))
            except Exception as exc:  # noqa: BLE001 - both paths must fail alike
                merged.append(repr(exc))
        monkeypatch.undo()
        assert merged[0] == merged[1], f"seed {seed}"
