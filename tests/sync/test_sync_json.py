"""`mlreq sync --json`: the sync's report for scripts, conflicts included."""

from __future__ import annotations

import json

from .conftest import RESOURCES, Team


def test_sync_json_reports_what_happened_and_the_conflicts(team: Team):
    team.answer(team.a, RESOURCES, "Two data engineers for three months.")
    team.answer(team.b, RESOURCES, "One data scientist and a contractor.")
    first = json.loads(team.sync(team.a, "--json").out)

    outcome = team.sync(team.b, "--json", ok=False)

    assert outcome.code == 7, outcome  # synced, with a conflict kept: scripts must not carry on blindly
    report = json.loads(outcome.out)
    assert first["pushed"] is True and first["conflicts"] == []
    assert report["merged"] is True and report["fetched_commits"] == 1 and report["pushed"] is True
    assert report["conflicts"] == [RESOURCES]
    assert set(report) == {"merged", "fetched_commits", "pushed", "conflicts", "flagged", "not_pushed", "form_conflicts", "tag_clashes", "after_merge", "requirements"}
    team.assert_nothing_lost()
