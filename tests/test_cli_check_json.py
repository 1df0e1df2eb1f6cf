"""`mlreq check --json`: findings for scripts, with the same exit code as the text report."""

from __future__ import annotations

import json


def test_check_json_on_a_healthy_and_a_broken_project(cli, project_dir):
    healthy = cli("check", project_dir, "--json")

    assert healthy.code == 0, healthy
    assert json.loads(healthy.out) == {"ok": True, "errors": 0, "warnings": 0, "findings": []}

    (project_dir / "answers" / "data.toml").write_text('["data.data-source"\nanswer = "broken', encoding="utf-8")
    broken = cli("check", project_dir, "--json")

    assert broken.code == 1, broken
    report = json.loads(broken.out)
    assert report["ok"] is False and report["errors"] >= 1
    finding = report["findings"][0]
    assert finding["severity"] == "error" and finding["where"].startswith("answers/data.toml") and finding["message"]
