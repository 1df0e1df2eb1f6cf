"""Asks once who is typing when git has no identity (or in each browser of `mlreq serve`),
so commits never say root@host or the facilitator's name for someone else's words."""

from __future__ import annotations

from mlreq.projects import Identity

from .fields_prompt import Field, FieldsPrompt


class IdentityPrompt(FieldsPrompt):
    """Dismisses with an Identity, or None (later)."""

    def __init__(self, for_browser: bool = False) -> None:
        if for_browser:  # `mlreq serve`: one server, many people, each commit under its typist's name
            title = (
                "Who is typing in this browser? Your answers are committed under this name;\n"
                "it is remembered for this browser:"
            )
        else:
            title = (
                "git does not know who you are. Your answers are saved on disk either way;\n"
                "to commit them under your name, tell mlreq (for this session):"
            )
        super().__init__(title, [Field("name", "Your name"), Field("email", "you@example.com")], "Use this name")

    def finish(self, values: dict[str, str]) -> Identity:
        identity = Identity.parse(f"{values['name']} <{values['email']}>") if values["name"] and values["email"] else None
        if identity is None or "@" not in values["email"]:
            raise ValueError("Enter a name and an e-mail address.")
        return identity
