"""A diff of requirements reads only the blocks that differ (one edit in 5,000 requirements is
two small parses): randomized, it must always find what reading both files whole finds.

Bounded by default (a few seconds); MLREQ_LONG_TESTS=1 runs many more cases. The seed is
printed on failure; MLREQ_BLOCKS_SEED=<seed> replays it."""

from __future__ import annotations

import os
import random

from mlreq.bank.loader import builtin_form
from mlreq.projects.reqhistory import _changed_parts, compare
from mlreq.projects.requirements import RequirementsFileError, parse_requirements

FORM = builtin_form("v3")
QUESTIONS = [q.id for q in FORM.questions]
CASES = 2000 if os.environ.get("MLREQ_LONG_TESTS") else 150


def _table(rng: random.Random, number: int) -> str:
    text = rng.choice(["The system shall log faults.", "When a fault occurs, the system shall alert.",
                       "The system shall keep [[requirement]] markers.", 'id = "REQ-999" is not an id here'])
    if rng.random() < 0.05:
        text += "\n[[requirement]]\nsecond line"  # a multi-line string: the file is then read whole
    lines = ["[[requirement]]", f'id = "REQ-{number:03d}"', "text = " + (f'"""{text}"""' if "\n" in text else repr(text).replace("'", '"') if '"' not in text else f"'{text}'"),
             f'pattern = "{rng.choice(["ubiquitous", "event"])}"', f'from = ["{rng.choice(QUESTIONS)}"]',
             f'criteria = ["{rng.choice(["one", "two", "three"])}"]', f'status = "{rng.choice(["draft", "agreed", "retired"])}"']
    if rng.random() < 0.1:
        lines += ["", "[requirement.conflict]", 'text = "theirs"']
    if rng.random() < 0.1:
        lines.insert(1, "# a comment")
    return "\n".join(lines) + "\n\n"


def _mutated(rng: random.Random, tables: list[str], numbers: list[int]) -> tuple[list[str], list[int]]:
    tables, numbers = list(tables), list(numbers)
    for _ in range(rng.randint(0, 3)):
        action = rng.choice(["edit", "add", "remove", "swap", "duplicate", "break", "indent"])
        index = rng.randrange(len(tables)) if tables else 0
        if action == "edit" and tables:
            tables[index] = _table(rng, numbers[index])
        elif action == "add" or not tables:
            numbers.append(max(numbers, default=0) + 1)
            tables.append(_table(rng, numbers[-1]))
        elif action == "remove":
            del tables[index], numbers[index]
        elif action == "swap" and len(tables) > 1:
            other = rng.randrange(len(tables))
            tables[index], tables[other] = tables[other], tables[index]
            numbers[index], numbers[other] = numbers[other], numbers[index]
        elif action == "duplicate":
            tables.append(tables[index])
            numbers.append(numbers[index])
        elif action == "break":
            tables[index] = tables[index].replace("status = ", "status = = ", 1)
        elif action == "indent":
            tables[index] = "  " + tables[index]
    return tables, numbers


def _whole(data: bytes) -> object:
    try:
        return parse_requirements(data)
    except RequirementsFileError:
        return "error"


def test_blocks_find_what_whole_files_find() -> None:
    # Drawn when the test runs, not at collection: pytest-xdist's workers must collect the same tests.
    seed = int(os.environ.get("MLREQ_BLOCKS_SEED", random.randrange(1 << 30)))
    print(f"seed {seed} (MLREQ_BLOCKS_SEED={seed} replays it)")
    rng = random.Random(seed)
    for case in range(CASES):
        numbers = list(range(1, rng.randint(0, 8) + 1))
        tables = [_table(rng, n) for n in numbers]
        new_tables, _ = _mutated(rng, tables, numbers)
        old = ("last_id = 9\n\n" + "".join(tables)).encode()
        new = ("last_id = 9\n\n" + "".join(new_tables)).encode()
        whole = [_whole(old), _whole(new)]
        try:
            parts = _changed_parts(old, new, ("old", "new"))
        except RequirementsFileError:
            parts = None
        context = f"seed {seed}, case {case}:\n--- old\n{old.decode()}\n--- new\n{new.decode()}"
        if "error" in whole:
            # a broken block found at both ends is not read again; anything else is said
            assert parts is None or any(b for b in set(_split(old)) & set(_split(new)) if _whole(b) == "error"), context
            continue
        assert parts is not None, context
        assert compare(*parts, FORM) == compare(whole[0], whole[1], FORM), context  # type: ignore[arg-type]


def _split(data: bytes) -> list[bytes]:
    from mlreq.projects.reqhistory import _blocks

    return (_blocks(data) or [])[1:]
