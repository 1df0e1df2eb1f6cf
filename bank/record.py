"""`Record`: a frozen value type that behaves as a frozen dataclass does, without dataclasses.

`import dataclasses` brings inspect, ast, dis and tokenize (~10 ms) and every dataclass
costs ~0.5 ms to make; the types every short `mlreq` command loads (the form's model,
entries, identities, status) would pay that on each start (issue 14). A record names its
fields in `__slots__` (or in `_fields`, when it needs a `__dict__` for cached properties)
and sets them in its own `__init__` with `init_fields`, in that order.
"""

from __future__ import annotations

_set = object.__setattr__


def init_fields(record: Record, *values: object) -> None:
    """Set `record`'s fields, in `_fields` order (an `__init__`'s one line)."""
    for name, value in zip(record._fields, values, strict=True):
        _set(record, name, value)


class Record:
    """Compared and hashed by its fields in order, shown as `Name(field=value, ...)` (but
    `_hidden` fields), read-only after `__init__`: what `@dataclass(frozen=True)` gives."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()
    _hidden: tuple[str, ...] = ()

    def __init_subclass__(cls) -> None:
        if "_fields" not in cls.__dict__:
            cls._fields = tuple(cls.__dict__.get("__slots__", ()))

    def _values(self) -> tuple[object, ...]:
        return tuple([getattr(self, name) for name in self._fields])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._values() == other._values()  # type: ignore[attr-defined]
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields if name not in self._hidden)
        return f"{self.__class__.__qualname__}({shown})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[object, ...]:  # copy and pickle through __init__
        return (self.__class__, self._values())

    def _replace(self, **changes: object) -> Record:
        """A copy with some fields changed (dataclasses.replace)."""
        values = {name: getattr(self, name) for name in self._fields}
        unknown = changes.keys() - values.keys()
        if unknown:
            raise TypeError(f"{self.__class__.__qualname__} has no field {sorted(unknown)[0]!r}")
        return self.__class__(**(values | changes))
