"""The parsed-TOML cache (issue 14, "Speed"): a short command need not parse form.toml
again, and the cache can never make mlreq read anything but the file's own bytes."""

import os
import tomllib
from pathlib import Path

import pytest

from mlreq.bank import tomlcache
from mlreq.bank.tomlcache import cache_folder, cached_parse
from mlreq.projects import Project, ProjectFileError


def _entries() -> list[Path]:
    folder = cache_folder()
    return sorted(Path(folder).glob("*.json")) if folder and os.path.isdir(folder) else []


def test_the_form_is_cached_outside_the_work_tree_as_plain_json(project_dir: Path) -> None:
    first = Project.open(project_dir)
    entries = _entries()
    assert entries, "opening a project keeps its parsed form.toml"
    assert all(str(entry).startswith(os.environ["HOME"]) for entry in entries)
    assert not any(project_dir.rglob("*.json")), "nothing in the work tree"
    for entry in entries:
        assert entry.read_bytes().isascii()
    again = Project.open(project_dir)
    assert again.form == first.form and again.name == first.name  # mlreq.toml's datetime too


def test_an_edited_form_is_read_again_never_answered_from_the_cache(project_dir: Path) -> None:
    Project.open(project_dir)
    form = project_dir / "form.toml"
    form.write_text(form.read_text(encoding="utf-8").replace('title = "', 'title = "Edited ', 1), encoding="utf-8")
    assert Project.open(project_dir).form.title.startswith("Edited ")


def test_a_garbled_or_forged_entry_is_ignored(project_dir: Path) -> None:
    """An entry is found by the digest of the bytes; what it holds must still be JSON of a
    table, else the file is parsed as without a cache (and the entry written again)."""
    expected = Project.open(project_dir).form
    for entry in _entries():
        entry.write_bytes(b'{"form": {"title": ')  # cut short, as by a full disk
    assert Project.open(project_dir).form == expected
    for entry in _entries():
        entry.write_bytes(b"[1, 2, 3]")
    assert Project.open(project_dir).form == expected


@pytest.mark.parametrize(
    "text",
    [
        'when = 2026-03-02T10:00:00+01:00\nday = 2026-03-02\nat = 10:00:00.5\nlocal = 2026-03-02T10:00:00\n',
        '["\\u0000toml-time"]\nx = 1\n[t]\n"\\u0000toml-time" = ["date", "2026-03-02"]\n',  # shaped like the tag
        "nan = nan\ninf = -inf\nsmall = 1e-300\nbig = 123456789012345678901234567890\nflag = true\nint = 1\nfloat = 1.0\n",
        'text = "caf\\u00e9 \\ud7ff \\U0001F600 \\u0007"\n',
    ],
)
def test_what_comes_back_is_exactly_what_tomllib_reads(text: str) -> None:
    data = text.encode("utf-8")
    expected = tomllib.loads(text)
    for _ in range(2):  # a miss, then a hit where the value could be kept
        got = cached_parse(data, lambda: tomllib.loads(text))
        assert repr(got) == repr(expected)  # types too: 1 vs 1.0 vs True, date vs str


def test_a_broken_file_fails_the_same_way_every_time(project_dir: Path) -> None:
    form = project_dir / "form.toml"
    form.write_text(form.read_text(encoding="utf-8") + "\n[broken\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ProjectFileError, match=r"form\.toml:\d+:\d+"):
            Project.open(project_dir)


def test_the_cache_keeps_its_newest_entries_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tomlcache, "MAX_ENTRIES", 3)
    for number in range(6):
        cached_parse(f"n = {number}\n".encode(), lambda: {"n": number})
    assert len(_entries()) == 3


def test_without_a_usable_cache_folder_the_file_is_just_parsed(project_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert Project.open(project_dir).form.questions
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.delenv("HOME")
    assert Project.open(project_dir).form.questions
