"""Sign-offs through a real sync: roles that agreed on two machines are all kept."""

from __future__ import annotations

from .conftest import AUDIT, Team


def test_sign_offs_given_on_both_sides_are_united_by_sync(team: Team) -> None:
    team.answer(team.a, AUDIT, "Yearly audit.")
    team.sync(team.a)
    team.sync(team.b)
    team.mlreq(team.a, "answer", AUDIT, "--status", "agreed", "--agreed-by", "Legal team")
    team.mlreq(team.b, "answer", AUDIT, "--status", "agreed", "--agreed-by", "Data scientist")
    team.sync(team.a)
    team.sync(team.b)
    team.sync(team.a)
    for side in (team.a, team.b):
        shown = team.show(side, AUDIT)
        assert (shown["status"], shown["conflict"]) == ("agreed", None)
        assert sorted(shown["agreed_by"]) == ["Data scientist", "Legal team"]
    team.assert_nothing_lost()
