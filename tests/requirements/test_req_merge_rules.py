"""The merge driver's rules for requirements.toml, on bytes (the two-clone tests run them through git)."""

from __future__ import annotations

import pytest

from mlreq.projects.reqmerge import merge_requirement_files
from mlreq.projects.requirements import Requirement, RequirementsFileError, _apply, _document, parse_requirements

R1 = Requirement("REQ-001", "The system shall read OCPP logs.", "ubiquitous", ("data.data-source",), ("one log read",))
R2 = Requirement("REQ-002", "The system shall keep logs for 2 years.", "ubiquitous", ("data.data-source",))


def file_of(*requirements: Requirement, last_id: int | None = None) -> bytes:
    highest = max([0, *(r.number for r in requirements)])
    return _apply(_document(None), {}, list(requirements), highest if last_id is None else last_id)


def merged(base: bytes, ours: bytes, theirs: bytes) -> tuple[dict[str, Requirement], int, list[str]]:
    data, notes = merge_requirement_files(base, ours, theirs, "requirements.toml")
    result = parse_requirements(data)
    return {r.id: r for r in result.items}, result.last_id, notes


def test_different_fields_changed_on_each_side_combine_without_a_conflict() -> None:
    base = file_of(R1, R2)
    ours = file_of(R1.__class__(**{**R1.__dict__, "priority": "high"}), R2)
    theirs = file_of(R1.__class__(**{**R1.__dict__, "status": "agreed"}), R2)
    result, _, notes = merged(base, ours, theirs)
    assert (result["REQ-001"].priority, result["REQ-001"].status, result["REQ-001"].conflict) == ("high", "agreed", ())
    assert notes == []


def test_a_hand_deletion_sticks_unless_the_other_side_changed_it() -> None:
    base = file_of(R1, R2)
    result, last_id, _ = merged(base, file_of(R1, last_id=2), base)  # deleted here, unchanged there
    assert list(result) == ["REQ-001"] and last_id == 2
    changed = Requirement(**{**R2.__dict__, "text": "The system shall keep logs for 3 years."})
    result, _, _ = merged(base, file_of(R1, last_id=2), file_of(R1, changed))  # changed there: kept
    assert result["REQ-002"].text == changed.text
    result, _, _ = merged(base, file_of(R1, changed), file_of(R1, last_id=2))  # changed here, deleted there: kept
    assert result["REQ-002"].text == changed.text


def test_the_same_requirement_added_on_both_sides_is_kept_once() -> None:
    result, last_id, notes = merged(b"", file_of(R1), file_of(R1))
    assert list(result) == ["REQ-001"] and last_id == 1 and notes == []


def test_a_broken_side_is_refused_with_its_name() -> None:
    with pytest.raises(RequirementsFileError, match=r"requirements.toml \(theirs\)"):
        merge_requirement_files(file_of(R1), file_of(R1), b'[[requirement]]\nid = "REQ-001"\npattern = "sometimes"\nfrom = ["q"]\n', "requirements.toml")
