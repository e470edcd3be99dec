"""Each example file in docs/import-examples imports cleanly, and what each format
refuses is refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bip.accounts.models import User
from citizens.models import Assignment, Citizen, Enrolment
from interventions.models import InterventionEpisode, Outcome
from measurements.models import Answer, Response, Round

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "import-examples"


@pytest.fixture
def demo_admin(db):
    from reports.demo import load_demo

    load_demo(citizens_per_team=1)
    return User.objects.get(username="admin")


@pytest.fixture
def importer(client, demo_admin, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bip.imports.models import ImportBatch

    client.force_login(demo_admin)

    def run(kind, content, name="f.csv", commit=True, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                f"/imports/new/{kind}/",
                {
                    "file": SimpleUploadedFile(name, content),
                    "encoding": "auto",
                    **fields,
                },
            )
        batch = ImportBatch.objects.latest("pk")
        problems = [
            (r.row_number, e) for r in batch.rows.all() for e in r.errors
        ] + batch.file_errors
        if commit and not problems:
            with django_capture_on_commit_callbacks(execute=True):
                client.post(f"/imports/{batch.pk}/commit/")
            batch.refresh_from_db()
        return batch, problems

    return run


def example(name):
    return (EXAMPLES / name).read_bytes()


def test_every_documented_example_imports(importer):
    batch, problems = importer("citizens", example("citizens.csv"))
    assert problems == []
    assert batch.committed_at
    assert batch.rows_new == 3
    mette = Citizen.objects.get(name="Mette Jensen")
    assert mette.cpr_clear() == "120385-1002"
    assert Enrolment.objects.get(citizen=mette).start == date(2025, 1, 6)
    assert Citizen.objects.get(name="Birgit Sørensen").team.name == "Team Sundhed"

    batch, problems = importer("assignments", example("assignments.csv"))
    assert problems == []
    history = Assignment.objects.filter(enrolment__citizen=mette).order_by("start")
    assert [(a.caseworker.username, a.start, a.end, a.source) for a in history] == [
        ("sagsbehandler1", date(2025, 1, 6), date(2025, 6, 1), "exact"),
        ("sagsbehandler2", date(2025, 6, 1), None, "exact"),
    ]
    mette.refresh_from_db()
    assert mette.caseworker.username == "sagsbehandler2"  # the exact history's last

    batch, problems = importer("episodes", example("episodes.csv"))
    assert problems == []
    mentor = InterventionEpisode.objects.get(
        type__code="social_mentor", enrolment__citizen=mette
    )
    assert (mentor.end, str(mentor.hours_per_week), mentor.source) == (
        None,
        "2.5",
        "import",
    )

    batch, problems = importer("rounds", example("rounds.csv"))
    assert problems == []
    rnd = Round.objects.get(enrolment__citizen=mette)
    assert (rnd.state, rnd.round_date, rnd.caseworker.username) == (
        "complete",
        date(2025, 3, 10),
        "sagsbehandler1",
    )
    assert set(
        Response.objects.filter(round=rnd).values_list("channel", flat=True)
    ) == {"import"}
    assert Answer.objects.filter(response__round=rnd).count() == 20
    missing = Answer.objects.get(response__round=rnd, value__isnull=True)
    assert (missing.question.indicator, missing.missing_reason) == (
        "network",
        "not_asked",
    )

    batch, problems = importer(
        "outcomes", example("outcomes.csv"), outcomes_known_until="2026-10-31"
    )
    assert problems == []
    assert Outcome.objects.filter(citizen=mette, kind="job", source="import").exists()
    assert Enrolment.objects.get(citizen=mette).end == date(2026, 9, 1)


def test_reimporting_changes_nothing_and_changes_are_conflicts(importer):
    importer("citizens", example("citizens.csv"))
    importer("episodes", example("episodes.csv"))
    importer("rounds", example("rounds.csv"))
    for kind, name in (
        ("citizens", "citizens.csv"),
        ("episodes", "episodes.csv"),
        ("rounds", "rounds.csv"),
    ):
        batch, problems = importer(kind, example(name))
        assert problems == [], kind
        assert batch.rows_new == 0, kind
        assert batch.rows_same == batch.rows_total, kind
        assert batch.committed_at is None
    changed = example("rounds.csv").replace(
        b"caseworker;concentration;3", b"caseworker;concentration;5"
    )
    batch, problems = importer("rounds", changed)
    assert len(problems) == 1
    assert "konflikt" in problems[0][1]["problem"]
    changed = example("citizens.csv").replace(b"Mette Jensen", b"Mette Jensen-Lund")
    batch, problems = importer("citizens", changed)
    assert len(problems) == 1
    assert "konflikt" in problems[0][1]["problem"]
    assert Citizen.objects.filter(name="Mette Jensen").exists()


def test_rounds_refused_values(importer):
    importer("citizens", example("citizens.csv"))
    head = "cpr;dato;besvarer;indikator;svar\n"
    cases = {
        "120385-1002;10-03-2025;caseworker;contact;6\n": "value",
        "120385-1002;10-03-2025;caseworker;contact;0\n": "value",
        "120385-1002;10-03-2025;caseworker;contact;3,5\n": "value",
        "120385-1002;10-03-2025;citizen;cw_job_belief;3\n": "question",  # the citizen is not asked that
        "120385-1002;10-03-2025;caseworker;happiness;3\n": "question",
        "120385-1002;10-03-2025;neighbour;contact;3\n": "respondent",
        "120385-1002;10-03-2024;caseworker;contact;3\n": "round_date",  # before the enrolment
    }
    for line, column in cases.items():
        _batch, problems = importer("rounds", (head + line).encode(), commit=False)
        assert [p[1]["column"] for p in problems] == [column], line
    two = (
        head
        + "120385-1002;10-03-2025;caseworker;contact;3\n120385-1002;10.03.2025;sagsbehandler;contact;4\n"
    )
    _batch, problems = importer("rounds", two.encode(), commit=False)
    assert len(problems) == 2
    assert "To værdier" in problems[0][1]["problem"]
    assert not Round.objects.filter(enrolment__citizen__name="Mette Jensen").exists()


def test_episodes_refused_values(importer):
    importer("citizens", example("citizens.csv"))
    head = "cpr;type;start;slut;leverandør;timer\n"
    cases = {
        "120385-1002;space_travel;01-02-2025;;;\n": "type",
        "120385-1002;job_search;01-05-2025;01-04-2025;;\n": "end",
        "120385-1002;job_search;01-02-2025;;;99\n": "hours_per_week",
        "120385-1002;job_rotation;01-08-2026;;;\n": "type",  # ended by the reform
    }
    for line, column in cases.items():
        _batch, problems = importer("episodes", (head + line).encode(), commit=False)
        assert column in [p[1]["column"] for p in problems], line
    assert (
        InterventionEpisode.objects.filter(
            enrolment__citizen__name="Mette Jensen"
        ).count()
        == 0
    )


def test_citizens_refused_values(importer):
    head = "cpr;navn;team;sagsbehandler;startdato;målgruppe\n"
    cases = {
        "120385-1002;X;Team Mars;sagsbehandler1;06-01-2025;kontant_aktivitetsparat\n": "team",
        "120385-1002;X;Team Ung;sagsbehandler7;06-01-2025;kontant_aktivitetsparat\n": "caseworker",  # another team
        "120385-1002;X;Team Ung;sagsbehandler1;06-01-2025;nonsense\n": "target_group",
        "120385-1002;;Team Ung;sagsbehandler1;06-01-2025;kontant_aktivitetsparat\n": "name",
        "999999-1002;X;Team Ung;sagsbehandler1;06-01-2025;kontant_aktivitetsparat\n": "cpr",
    }
    for line, column in cases.items():
        _batch, problems = importer("citizens", (head + line).encode(), commit=False)
        assert column in [p[1]["column"] for p in problems], line
    assert not Citizen.objects.filter(name="X").exists()


def test_windows_1252_with_decimal_commas_as_danish_excel_writes_it(importer):
    importer("citizens", example("citizens.csv"))
    content = "cpr;type;start;slut;leverandør;timer\r\n120385-1002;job_search;01.06.2025;;Jobcentret Ø;7,5\r\n".encode(
        "cp1252"
    )
    _batch, problems = importer("episodes", content)
    assert problems == []
    episode = InterventionEpisode.objects.get(
        enrolment__citizen__name="Mette Jensen", type__code="job_search"
    )
    assert (str(episode.hours_per_week), episode.provider) == ("7.5", "Jobcentret Ø")
