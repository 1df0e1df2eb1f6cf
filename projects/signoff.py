"""Who agreed an answer: the roles that signed it off, against the roles it is asked of."""

from __future__ import annotations


from mlreq.bank import Form, Question
from mlreq.bank.record import Record, init_fields

from .answers import Entry


class SignOff(Record):
    __slots__ = ("agreed", "missing")
    agreed: tuple[str, ...]
    """Names of the roles that agreed."""
    missing: tuple[str, ...]
    """Names of the question's roles that have not (yet)."""

    def __init__(self, agreed: tuple[str, ...], missing: tuple[str, ...]) -> None:
        init_fields(self, agreed, missing)

    @property
    def state(self) -> str:
        """"all", "partly", or "" when no role's agreement is recorded."""
        if not self.agreed:
            return ""
        return "partly" if self.missing else "all"

    def describe(self) -> str:
        """"Data scientist, Legal team" or "partly: Data scientist (not yet: Legal team)"."""
        if not self.agreed:
            return ""
        names = ", ".join(self.agreed)
        return f"partly: {names} (not yet: {', '.join(self.missing)})" if self.missing else names


def sign_off(form: Form, question: Question | None, entry: Entry) -> SignOff:
    def name(role_id: str) -> str:
        role = form.role(role_id)
        return role.name if role else role_id

    asked = question.roles if question else ()
    missing = tuple(name(r) for r in asked if r not in entry.agreed_by) if entry.agreed_by else ()
    return SignOff(tuple(name(r) for r in entry.agreed_by), missing)
