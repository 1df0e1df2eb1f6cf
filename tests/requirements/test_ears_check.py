"""The EARS check: each reason on its own, and texts that follow a pattern pass."""

from __future__ import annotations

import pytest

from mlreq.projects.requirements import Requirement, ears_problems, guess_pattern, substantive


def problems(text: str, pattern: str | None = None, criteria: tuple[str, ...] = ("a test",)) -> list[str]:
    return ears_problems(Requirement("REQ-001", text, pattern or guess_pattern(text), ("q",), criteria))


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("The system shall store every prediction with its input for 90 days.", "ubiquitous"),
        ("When a charger reports a fault code, the system shall predict the failing part.", "event"),
        ("While a model is being retrained, the system shall serve the previous model.", "state"),
        ("If the input drifts beyond the agreed threshold, then the system shall alert the data scientist.", "unwanted"),
        ("Where a GPU is available, the system shall train on it.", "optional"),
        ("While in production, when drift is detected, the system shall open a retraining ticket.", "complex"),
    ],
)
def test_each_pattern_passes_and_is_recognised(text: str, pattern: str) -> None:
    assert guess_pattern(text) == pattern
    assert problems(text) == []


@pytest.mark.parametrize(
    ("text", "pattern", "criteria", "reason"),
    [
        ("The system must predict faults.", None, ("t",), 'no "shall"'),
        ("The system shall predict faults and shall explain them.", None, ("t",), '2 times "shall"'),
        ("When, the system shall predict faults.", None, ("t",), '"When" without its clause'),
        ("When a fault arrives the system shall predict it.", None, ("t",), "not closed by a comma"),
        ("If a fault arrives, the system shall predict it.", None, ("t",), '", then the <system> shall"'),
        ("The system shall predict faults.", "event", ("t",), "pattern is event but the text reads as ubiquitous"),
        ("The system shall respond fast.", None, ("t",), "vague word 'fast'"),
        ("The UI shall be user-friendly, as appropriate, etc.", None, ("t",), "'as appropriate', 'etc', 'user-friendly'"),
        ("The system shall predict faults.", None, (), "no acceptance criterion"),
        ("The system shall predict faults.", None, ("  ",), "no acceptance criterion"),
    ],
)
def test_each_reason_is_named(text: str, pattern: str | None, criteria: tuple[str, ...], reason: str) -> None:
    found = problems(text, pattern, criteria)
    assert any(reason in p for p in found), found


def test_vague_words_are_whole_words() -> None:
    assert problems("The system shall keep breakfast menus and somewhere-logs.") == []


@pytest.mark.parametrize(
    ("before", "after", "flags"),
    [
        ("Charger logs via OCPP", "Charger logs via OCPP.", False),
        ("Charger logs via OCPP", "Charger  logs\nvia OCPP ", False),
        ("Charger logs, via OCPP", "Charger logs via OCPP!", False),
        ("Charger logs via OCPP", "Charger logs via OCPP and weather data", True),
        ("Charger logs via OCPP", "charger logs via OCPP", True),
        ("10 ms", "100 ms", True),
    ],
)
def test_only_a_change_of_words_puts_requirements_in_doubt(before: str, after: str, flags: bool) -> None:
    assert substantive(before, after) is flags


def test_flags_join_the_answer_commit_message_before_its_trailers() -> None:
    from mlreq.projects.requirements import with_requirement_flags

    answer = "Answer data.x\n\ndata.x (Data: ...)\n  answer changed\n\nMlreq-Question: data.x\n"
    assert with_requirement_flags(answer, ("REQ-001",)) == (
        "Answer data.x\n\ndata.x (Data: ...)\n  answer changed\n\n"
        "Requirements flagged needs-review, as they were written from the changed answer:\n  REQ-001\n\n"
        "Mlreq-Question: data.x\nMlreq-Requirement: REQ-001\n"
    )
    assert with_requirement_flags("Flag requirements for review after sync\n\n\n", ("REQ-002",)).startswith(
        "Flag requirements for review after sync\n\nRequirements flagged"
    )
