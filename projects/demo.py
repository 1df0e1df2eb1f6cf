"""The demo project: a fictitious, half-finished requirements project with a history.

VoltWay Charging (invented) runs about 4,000 DC fast chargers in Sweden and Germany and
wants to predict charger faults before drivers find them. Three weeks of workshops and
one-on-ones by five people: most questions answered, some refined, one answer in five
versions, a few agreed, two flagged for review after a data set was bought, and eight
still open so the demo shows gaps.

The history is data (`STEPS`), replayed through `Project.save`: one backdated commit per
step, dated on working days ending a few days before today. The demo is built in a
hidden folder next to `path` and moved into place when complete, so an interrupted
build never leaves a half demo behind, and it is always its own git repository, never
commits in a repository that happens to enclose `path`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from .create import create_project
from .errors import ProjectError
from .gitrepo import GitRepo, Identity
from .layout import PROJECT_FILE
from .project import Project, SaveResult

NAME = "Charger fault prediction"

PEOPLE = {
    "ana": Identity("Ana Lindqvist", "ana.lindqvist@voltway.example"),  # product owner, facilitates
    "ben": Identity("Ben Okafor", "ben.okafor@voltway.example"),  # data scientist
    "chen": Identity("Chen Wei", "chen.wei@voltway.example"),  # privacy and legal counsel
    "dee": Identity("Dee Marsh", "dee.marsh@voltway.example"),  # lead, charging operations analytics
    "jonas": Identity("Jonas Becker", "jonas.becker@voltway.example"),  # data engineer, Berlin
}
CREATOR = "ana"

WORKDAYS = 16
"""The history spans this many working days (about three weeks)."""
DAYS_BEFORE_NOW = 3
"""The last step is dated at least this many days before today."""

# (working day, author, question id, answer, status, notes); None leaves a field as it is.
# Typing an answer into an open question makes it a draft, as in the app.
STEPS: list[tuple[int, str, str, str | None, str | None, str | None]] = [
    # Day 0: kick-off workshop, Gothenburg office with Berlin on video; Ana types.
    (0, "ana", "scoping.business-problems",
     "Drivers find broken chargers before we do: 38% of fault tickets last quarter were\n"
     "opened from a driver complaint (app or hotline).\n"
     "- A DC charger that is down costs about 600 SEK a day in lost sessions, plus app reviews\n"
     "- We want to find faults 24-72 h before a charger stops delivering power", None, None),
    (0, "ana", "scoping.ml-feasibility",
     "Probably: for each charger and day, predict whether a power-affecting fault follows\n"
     "in the next 72 h. We have 3 years of telemetry and service tickets to learn from.", None, None),
    (0, "ana", "scoping.success-metrics",
     "- Faults found by us before any driver report: from 62% to 85%\n"
     "- Charger availability from 96.1% to 98% within a year", None, None),
    (0, "ana", "scoping.resources", None, None,
     "Skipped in the kick-off: depends on whether the steering group funds a second data engineer."),
    (0, "ana", "scoping.end-user",
     "The field-service dispatchers in Gothenburg and Berlin (12 people) who plan the\n"
     "technicians' routes each morning.", None, None),
    (0, "ana", "scoping.user-interface",
     "A ranked \"at risk\" list inside the dispatch tool they already use, refreshed every\n"
     "morning. No new app: dispatchers will not open another tool.", None, None),
    (0, "ana", "scoping.domain-expert",
     "Karin Holm (head of field service, Gothenburg) and Tobias Krüger (senior technician,\n"
     "Berlin), 2 h a week each.", None, None),
    (0, "ana", "data.data-source",
     "- Charger telemetry over OCPP 1.6 from our charge point management system (CPMS)\n"
     "- Field-service tickets, 2021 onwards\n"
     "- Firmware version and hardware model per charger from the asset register\n"
     "- Weather: SMHI and DWD open data, hourly, nearest station", None, None),
    (0, "ana", "deployment.retraining-frequency", "Monthly", None, None),
    (0, "ana", "data.cyclic-behaviour",
     "Yes:\n"
     "- Daily peaks 16-19, and on highways on Fridays and Sundays\n"
     "- More faults in winter (condensation, stiff cables); cooling faults in heat waves", None, None),

    # Day 1: second half of the workshop, the data stage.
    (1, "ana", "scoping.business-problems", None, "agreed", None),
    (1, "ana", "data.data-format",
     "Telemetry arrives as OCPP JSON messages on Kafka and is stored as Parquet, partitioned\n"
     "by day and charger. Tickets: nightly CSV export. Weather: CSV from the open-data APIs.", None, None),
    (1, "ana", "data.preprocessing",
     "- Deduplicate OCPP messages (chargers resend after a reconnect)\n"
     "- Hourly aggregates of meter values; a gap over 15 min is lost connectivity, not zero power\n"
     "- Map both vendors' error codes to one taxonomy", None, None),
    (1, "ana", "data.streaming-frequency",
     "Meter values every 60 s are more than enough; the model needs hourly aggregates.\n"
     "Error codes and status notifications must arrive within 15 min so the morning run\n"
     "sees yesterday complete.", None, None),
    (1, "ana", "data.acquisition",
     "Existing Kafka stream from the CPMS into the data lake (platform team). Tickets by\n"
     "nightly export, weather by a daily pull from the SMHI and DWD APIs.", None, None),
    (1, "ana", "scoping.end-user", None, "agreed", None),

    # Day 2: Ben works through the modelling side.
    (2, "ben", "scoping.ml-feasibility",
     "Yes, as binary classification per charger-day: power-affecting fault within 72 h?\n"
     "Gradient-boosted trees on hourly telemetry aggregates and error-code counts first;\n"
     "sequence models only if that is not enough. The hard part is the labels: they come\n"
     "from service tickets, which are noisy.", None, None),
    (2, "ben", "data.labeling-guidelines",
     "A charger-day is positive if a ticket in category \"hardware fault\" or \"power module\"\n"
     "is opened within 72 h AND the technician confirmed the fault on site.\n"
     "- Negative: tickets closed as \"no fault found\", vandalism, payment or backend problems\n"
     "- Excluded: planned maintenance days", None, None),
    (2, "ben", "modeling.baseline",
     "Today's CPMS rule: alert when a charger reports 3 or more critical error codes in 24 h.\n"
     "Last quarter it caught 41% of faults before a driver did, at 35% precision.", None, None),
    (2, "ben", "deployment.retraining-frequency",
     "Monthly, on the last 12 months of data, as a scheduled Databricks job", None, None),
    (2, "ben", "data.data-volume",
     "Telemetry is about 45 GB a month as compressed Parquet; 3 years kept is ~1.6 TB.\n"
     "Tickets and weather are under 5 GB. Feature table: 4,000 chargers x 24 h x 365 days\n"
     "= 35 M rows a year.", None, None),

    # Day 3: Ben's one-on-one with legal; Chen types the answers herself.
    (3, "chen", "data.privacy",
     "Yes. Session records carry the driver's contract id (eMAID), RFID token and sometimes\n"
     "the vehicle VIN: personal data under GDPR. The model does not need them.\n"
     "- Drop them at ingestion; keep charger-level aggregates only (sessions, kWh, aborts per hour)\n"
     "- Legitimate-interest assessment documented; no DPIA as long as no driver-level data\n"
     "  reaches the feature store", None, None),
    (3, "chen", "data.ownership",
     "Telemetry and tickets are ours, except for 140 franchise sites in Germany where the\n"
     "site owner holds the telemetry rights: we need their written consent (letter drafted).\n"
     "Weather: SMHI under CC BY 4.0, DWD under DL-DE/BY-2.0; attribution in the model card.", None, None),
    (3, "chen", "modeling.audit",
     "No external audit: the model decides about chargers, not people. Internal review\n"
     "before go-live and yearly: field service checks the flagged lists against outcomes,\n"
     "legal checks that no personal data has crept into the features.", None, None),
    (3, "ben", "data.labelers",
     "The label rules run automatically on the ticket data. Ambiguous tickets (about 8%)\n"
     "go to Karin's team: two technicians review 100 a week, Karin settles disagreements.", None, None),

    # Day 4: Jonas (data engineering, Berlin) fills in the pipeline.
    (4, "jonas", "data.metadata",
     "- Charger id, site, hardware model, power module serial numbers\n"
     "- Firmware version and date of the last update\n"
     "- Installation date, last maintenance date\n"
     "- Ingestion time of every record", None, None),
    (4, "jonas", "data.preprocessing",
     "- Deduplicate OCPP messages (chargers resend after a reconnect)\n"
     "- Hourly aggregates of meter values; a gap over 15 min is lost connectivity, not zero power\n"
     "- Map both vendors' error codes to our 42-code taxonomy\n"
     "- Join weather by nearest station and hour\n"
     "- Drop test chargers and the 2023 pilot site in Malmö", None, None),
    (4, "jonas", "modeling.input-serving",
     "Batch. A nightly job at 03:30 CET builds yesterday's hourly features from the lake and\n"
     "scores every charger; results go to a table the dispatch tool reads. No online\n"
     "serving in the first version.", None, None),
    (4, "jonas", "data.data-format", None, "agreed", None),

    # Day 5: Dee sharpens the goals.
    (5, "dee", "scoping.success-metrics",
     "- Faults found by us before any driver report: from 62% to 85%\n"
     "- Precision of preventive dispatches at least 70% (a technician visit costs ~2,500 SEK)\n"
     "- Charger availability from 96.1% to 98% within a year", None, None),
    (5, "dee", "modeling.business-metrics",
     "Recall on power-affecting faults within the top 90 flagged chargers a week: that is\n"
     "how many extra preventive visits our 60 technicians can take.", None, None),
    (5, "dee", "modeling.deployment-constraints",
     "Must run on the existing Databricks platform; no GPUs budgeted. Scoring of all\n"
     "chargers must finish before 05:00 CET, when dispatchers start planning.", None, None),

    # Day 6: Ben.
    (6, "ben", "deployment.retraining-frequency",
     "Monthly, plus after every firmware rollout that reaches more than 10% of the chargers", None, None),
    (6, "ben", "modeling.bias-risks",
     "- Vendor B chargers send three times as many error codes: the model may learn\n"
     "  \"vendor B = broken\"\n"
     "- Sites near a technician base get more \"no fault found\" tickets", None, None),
    (6, "ben", "modeling.baseline",
     "Today's CPMS rule: alert when a charger reports 3 or more critical error codes in 24 h.\n"
     "Last quarter it caught 41% of faults before a driver did, at 35% precision.\n"
     "Second baseline: logistic regression on error-code counts per charger-day.", None, None),
    (6, "ben", "modeling.business-metrics",
     "- Recall on power-affecting faults within the top 90 flagged chargers a week (the\n"
     "  extra preventive visits our 60 technicians can take)\n"
     "- Avoided downtime hours per preventive visit", None, None),

    # Day 7: deployment workshop, Ana types.
    (7, "ana", "deployment.deployment-process",
     "Model registered in MLflow; a pull request with an evaluation on the last 3 months;\n"
     "Dee and Karin approve. Four weeks in shadow mode (dispatchers see the list but do not\n"
     "act on it), then West Sweden only, then all regions.", None, None),
    (7, "ana", "deployment.input-metrics",
     "- Share of chargers without telemetry per hour (alert above 5%)\n"
     "- Error-code counts per vendor and firmware version\n"
     "- Drift per feature, weekly", None, None),
    (7, "ana", "deployment.output-metrics",
     "- Chargers flagged per day (expect 30-60)\n"
     "- Precision from ticket outcomes after 72 h", None, None),
    (7, "ana", "deployment.performance-requirements",
     "Scoring done by 05:00 CET. At least 70% precision in the weekly top-90 list. The list\n"
     "is in the dispatch tool within 10 min of the run.", None, None),
    (7, "ana", "deployment.prediction-location", None, None,
     "Cloud batch for the first version is assumed; Berlin asks whether the charger\n"
     "controllers could score locally. Parked until the firmware roadmap is known."),
    (7, "ana", "scoping.user-interface",
     "A ranked \"at risk\" list inside the dispatch tool they already use, refreshed every\n"
     "morning at 05:00, with the top 3 reasons per charger (e.g. \"cabinet temperature\n"
     "rising, 14 ground-fault warnings in 48 h\"). No new app. Later: the technicians'\n"
     "mobile app.", None, None),

    # Day 8: agreements from the weekly meeting.
    (8, "ana", "scoping.user-interface", None, "agreed", None),
    (8, "ana", "scoping.ml-feasibility", None, "agreed", None),
    (8, "chen", "data.privacy", None, "agreed", None),
    (8, "ana", "data.labeling-guidelines", None, "agreed", None),

    # Day 10: Dee, after looking at last year's firmware incidents.
    (10, "dee", "deployment.retraining-frequency",
     "Weekly drift check; retrain when input drift is high, and at least every quarter", None, None),
    (10, "jonas", "data.acquisition",
     "- CPMS telemetry: existing Kafka stream into the data lake (platform team)\n"
     "- Tickets: nightly export from the ticket system\n"
     "- Weather: daily pull from the SMHI and DWD APIs", None, None),

    # Day 11: VoltWay buys a second data set; Dee updates the source and flags what depends on it.
    (11, "dee", "data.data-source",
     "- Charger telemetry over OCPP 1.6 from our charge point management system (CPMS)\n"
     "- Field-service tickets, 2021 onwards\n"
     "- Firmware version and hardware model per charger from the asset register\n"
     "- Weather: SMHI and DWD open data, hourly, nearest station\n"
     "- New: Nordlys Grid Data, bought this month: power quality at the grid connection\n"
     "  (voltage dips, harmonics) for 3,100 of our sites since 2022, plus their roaming\n"
     "  session records", None, None),
    (11, "dee", "data.privacy", None, "needs-review",
     "Data source changed: the Nordlys roaming session records hold pseudonymised driver\n"
     "ids that Nordlys can re-identify. Does dropping them at ingestion still cover it?"),
    (11, "dee", "data.ownership", None, "needs-review",
     "Data source changed: the Nordlys licence allows use \"for internal network operation\"\n"
     "only. May a model trained on their data keep running if we end the contract?"),
    (11, "jonas", "data.acquisition",
     "- CPMS telemetry: existing Kafka stream into the data lake (platform team)\n"
     "- Tickets: nightly export from the ticket system\n"
     "- Weather: daily pull from the SMHI and DWD APIs\n"
     "- Nordlys: monthly SFTP delivery, loaded by the same pipeline", None, None),
    (11, "jonas", "data.metadata",
     "- Charger id, site, hardware model, power module serial numbers\n"
     "- Firmware version and date of the last update\n"
     "- Installation date, last maintenance date\n"
     "- Supplier and ingestion time of every record (we have two suppliers now)", None, None),

    # Day 13: Ben after the first experiments.
    (13, "ben", "modeling.bias-risks",
     "- Drivers report faults faster in cities, so rural faults are under-labelled\n"
     "- Vendor B chargers send three times as many error codes: the model may learn\n"
     "  \"vendor B = broken\"\n"
     "- Sites near a technician base get more \"no fault found\" tickets", None, None),
    (13, "ben", "deployment.output-metrics",
     "- Chargers flagged per day (expect 30-60)\n"
     "- Precision from ticket outcomes after 72 h\n"
     "- Share flagged per region and vendor, against each one's share of faults (bias check)", None, None),
    (13, "ben", "deployment.input-metrics",
     "- Share of chargers without telemetry per hour (alert above 5%)\n"
     "- Error-code counts per vendor and firmware version\n"
     "- PSI per feature on the top-20 features, weekly", None, None),

    # Day 14: Ben settles the retraining rule with the platform team.
    (14, "ben", "deployment.retraining-frequency",
     "When input drift on the telemetry features exceeds the agreed threshold (PSI > 0.2\n"
     "on any of the top-20 features), checked weekly; also after a firmware rollout that\n"
     "reaches more than 10% of the chargers. At least every 3 months regardless.", None, None),
    (14, "ana", "scoping.domain-expert",
     "Karin Holm (head of field service, Gothenburg) and Tobias Krüger (senior technician,\n"
     "Berlin), 2 h a week each, agreed with their managers. The two hardware vendors'\n"
     "support engineers through the service contract (slower: about 5 working days).", None, None),

    # Day 15: sign-off meeting.
    (15, "dee", "deployment.retraining-frequency", None, "agreed", None),
    (15, "dee", "scoping.success-metrics", None, "agreed", None),
    (15, "dee", "deployment.deployment-process", None, "agreed", None),
    (15, "ana", "modeling.input-serving", None, "agreed", None),
    # The answers the changes flagged (those building directly on a changed one) are
    # walked through: most still hold, the rest are settled; privacy and ownership wait
    # for legal's look at the Nordlys contract.
    (15, "dee", "data.data-format", None, "agreed", None),
    (15, "ben", "data.labeling-guidelines", None, "agreed", None),
    (15, "jonas", "data.cyclic-behaviour", None, "draft", None),
    (15, "jonas", "data.data-volume", None, "draft", None),
    (15, "jonas", "data.streaming-frequency", None, "draft", None),
    (15, "chen", "modeling.audit", None, "draft", None),
    (15, "dee", "deployment.performance-requirements", None, "draft", None),
]


def default_demo_path() -> Path:
    """~/.local/share/mlreq/demo (or under $XDG_DATA_HOME)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mlreq" / "demo"


def ensure_demo(path: Path) -> Project:
    """The demo project at `path`: opened if it is there, else created with its history."""
    path = path.expanduser().absolute()
    if (path / PROJECT_FILE).is_file():
        return Project.open(path)
    if path.exists() and not (path.is_dir() and not any(path.iterdir())):
        raise ProjectError(f"{path}: exists and is not an mlreq project; choose another folder for the demo")
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{path.name}.building-", dir=path.parent))
    try:
        build = scratch / path.name  # made by mkdir, so it has the umask's permissions, not 0700
        build.mkdir()
        _build(build)
        try:
            build.rename(path)
        except OSError:
            if not (path / PROJECT_FILE).is_file():  # another `mlreq demo` won the race: use its demo
                raise
    except OSError as exc:
        raise ProjectError(f"cannot create the demo in {path}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Project.open(path)


def _build(folder: Path) -> None:
    times = _timestamps()
    GitRepo.init(folder)  # its own repository, even inside someone else's
    project, result = create_project(
        folder, name=NAME, form="v3", author=PEOPLE[CREATOR], when=times[0] - timedelta(minutes=20)
    )
    _check(result, "create the project")
    for (_, who, question_id, answer, status, notes), when in zip(STEPS, times):
        project.author = PEOPLE[who]
        result = project.save(question_id, answer=answer, status=status, notes=notes, when=when)
        _check(result, f"save {question_id}")


def _check(result: SaveResult, what: str) -> None:
    # With explicit authors a failed commit means git itself is unusable: a demo whose
    # history is squashed or half-committed would mislead, so stop and say why.
    if result.commit_error is not None:
        raise ProjectError(f"cannot build the demo: {what}: {result.commit_error}")


def _timestamps(now: datetime | None = None) -> list[datetime]:
    """One strictly increasing UTC time per step, on working days, ending before today."""
    now = now or datetime.now(timezone.utc)
    days = _workdays((now - timedelta(days=DAYS_BEFORE_NOW)).date(), WORKDAYS)
    times: list[datetime] = []
    day_of_previous = -1
    for index, (day, *_rest) in enumerate(STEPS):
        if day != day_of_previous:
            when = datetime.combine(days[day], time(8, 10), timezone.utc)  # 09:10 or 10:10 in Sweden
        else:
            when = times[-1] + timedelta(minutes=3 + (index * 7) % 11)
        times.append(when)
        day_of_previous = day
    assert all(a < b for a, b in zip(times, times[1:])), "STEPS must be in order of working day"
    return times


def _workdays(last: date, count: int) -> list[date]:
    """The `count` working days (Monday to Friday) up to and including `last`, oldest first."""
    days: list[date] = []
    day = last
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]
