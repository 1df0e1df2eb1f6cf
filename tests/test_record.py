"""`Record` (issue 14, "Speed"): the types a short command loads behave as the frozen
dataclasses they replaced: equality, hash, repr, read-only fields, copies."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import pickle

import pytest

from mlreq.bank.record import Record, init_fields

# Every module whose types are records (the ones each short `mlreq` command loads).
MODULES = ("mlreq.bank.model", "mlreq.bank.tomlfast", "mlreq.projects.answers", "mlreq.projects.gitrepo",
           "mlreq.projects.commitmessage", "mlreq.projects.impact", "mlreq.projects.reqcoverage",
           "mlreq.projects.status", "mlreq.projects.signoff", "mlreq.projects.repostate", "mlreq.projects.project")


class Point(Record):
    __slots__ = ("x", "y", "tags")

    def __init__(self, x: int, y: int = 0, tags: tuple[str, ...] = ()) -> None:
        init_fields(self, x, y, tags)


class Shown(Record):
    _fields = ("a", "secret")
    _hidden = ("secret",)

    def __init__(self, a: int, secret: str = "") -> None:
        init_fields(self, a, secret)


@dataclasses.dataclass(frozen=True)
class DataPoint:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()


def test_a_record_compares_hashes_and_shows_as_the_frozen_dataclass() -> None:
    point, twin = Point(1, 2, ("a",)), DataPoint(1, 2, ("a",))
    assert point == Point(1, y=2, tags=("a",)) and point != Point(1, 3, ("a",))
    assert hash(point) == hash(twin)
    assert repr(point) == repr(twin).replace("DataPoint", "Point")
    assert point != twin and point != (1, 2, ("a",))  # another type is never equal, as for dataclasses
    assert repr(Shown(1, "x")) == "Shown(a=1)"  # a hidden field is compared, not shown
    assert Shown(1, "x") != Shown(1, "y")


def test_a_record_is_read_only_and_copies_through_its_init() -> None:
    point = Point(1)
    with pytest.raises(AttributeError):
        point.x = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del point.y
    assert point._replace(y=7) == Point(1, 7) and point == Point(1, 0)
    with pytest.raises(TypeError):
        point._replace(z=1)
    assert copy.deepcopy(point) == point and pickle.loads(pickle.dumps(point)) == point
    with pytest.raises(ValueError):
        init_fields(Point.__new__(Point), 1, 2, 3, 4)  # more values than fields: a slip in an __init__


@pytest.mark.parametrize("module", MODULES)
def test_each_records_init_takes_its_fields_in_order(module: str) -> None:
    """`init_fields` sets values in `_fields` order: the signature must say the same names."""
    loaded = importlib.import_module(module)
    records = [t for t in vars(loaded).values() if isinstance(t, type) and issubclass(t, Record) and t.__module__ == module]
    for record in records:
        names = [p for p in inspect.signature(record.__init__).parameters if p != "self"]
        assert tuple(names) == record._fields, record.__qualname__
    assert module == "mlreq.projects.project" or records
