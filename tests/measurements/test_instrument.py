from __future__ import annotations

from http import HTTPStatus

import pytest

from measurements.instrument import PublishedVersion, instrument_save_texts
from measurements.models import InstrumentVersion, Question, QuestionText
from measurements.services import instrument_current, round_start

pytestmark = pytest.mark.django_db


def shipped():
    return InstrumentVersion.objects.get(municipality__isnull=True, number=1)


def test_bip11_ships_9_citizen_and_11_case_worker_questions_in_two_languages():
    v = shipped()
    assert v.is_published
    assert v.questions.filter(respondent="citizen").count() == 9
    assert v.questions.filter(respondent="caseworker").count() == 11
    assert set(
        v.questions.filter(respondent="citizen").values_list("indicator", flat=True)
    ).isdisjoint({"concentration", "cw_job_belief"})
    assert QuestionText.objects.filter(question__version=v, language="da").count() == 20
    assert QuestionText.objects.filter(question__version=v, language="en").count() == 20


def test_published_version_is_immutable(municipal_admin):
    v = shipped()
    q = v.questions.first()
    with pytest.raises(PublishedVersion):
        instrument_save_texts(
            version=v,
            by=municipal_admin,
            texts={q.pk: {"da": {"text": "x", "low_label": "a", "high_label": "b"}}},
        )
    assert q.texts.get(language="da").text != "x"


def test_admin_copies_edits_adds_a_question_and_publishes(
    client, municipal_admin, world, caseworker, citizen
):
    client.force_login(municipal_admin)
    old_round = round_start(citizen=citizen, by=caseworker)
    r = client.post(f"/instrument/{shipped().pk}/copy/")
    draft = InstrumentVersion.objects.get(municipality=world.municipality)
    assert r.url == f"/instrument/{draft.pk}/"
    q = draft.questions.get(code="citizen_job_search")
    client.post(
        f"/instrument/{draft.pk}/",
        {
            f"t_{q.pk}_da_text": "Hvor tit søger du job?",
            f"t_{q.pk}_da_low_label": "Aldrig",
            f"t_{q.pk}_da_high_label": "Hver dag",
            f"ind_{q.pk}": "job_search",
        },
    )
    assert q.texts.get(language="da").text == "Hvor tit søger du job?"
    client.post(
        f"/instrument/{draft.pk}/questions/",
        {
            "respondent": "caseworker",
            "indicator": "labour_market_knowledge",
            "new_da_text": "Har borgeren et realistisk syn på sin mulige løn?",
            "new_da_low_label": "Slet ikke",
            "new_da_high_label": "I høj grad",
        },
    )
    assert (
        draft.questions.filter(
            indicator="labour_market_knowledge", respondent="caseworker"
        ).count()
        == 2
    )
    assert (
        instrument_current(municipality_id=world.municipality.pk) == shipped()
    )  # a draft is not in use
    client.post(f"/instrument/{draft.pk}/publish/", {"note": "Løn-spørgsmål"})
    draft.refresh_from_db()
    assert draft.is_published
    assert instrument_current(municipality_id=world.municipality.pk) == draft
    # rounds keep the version they were started under
    old_round.refresh_from_db()
    assert old_round.instrument_version == shipped()
    # and now the published copy refuses edits
    r = client.post(f"/instrument/{draft.pk}/", {f"t_{q.pk}_da_text": "Ændret"})
    assert q.texts.get(language="da").text == "Hvor tit søger du job?"


def test_a_language_can_be_added_to_a_published_version(client, municipal_admin, world):
    client.force_login(municipal_admin)
    client.post(f"/instrument/{shipped().pk}/copy/")
    draft = InstrumentVersion.objects.get(municipality=world.municipality)
    client.post(f"/instrument/{draft.pk}/publish/", {"note": ""})
    data = {"language": "sv"}
    for q in draft.questions.all():
        data.update(
            {
                f"t_{q.pk}_text": f"Fråga {q.pk}",
                f"t_{q.pk}_low_label": "Inte alls",
                f"t_{q.pk}_high_label": "Mycket",
            }
        )
    r = client.post(f"/instrument/{draft.pk}/translate/", data)
    assert r.status_code == HTTPStatus.FOUND
    assert (
        QuestionText.objects.filter(question__version=draft, language="sv").count()
        == 20
    )
    # incomplete translations are refused whole
    r = client.post(f"/instrument/{draft.pk}/translate/", {"language": "de"})
    assert not QuestionText.objects.filter(language="de").exists()


def test_other_municipality_cannot_see_a_municipal_version(
    client, municipal_admin, other_municipality_admin, world
):
    client.force_login(municipal_admin)
    client.post(f"/instrument/{shipped().pk}/copy/")
    draft = InstrumentVersion.objects.get(municipality=world.municipality)
    client.force_login(other_municipality_admin)
    assert client.get(f"/instrument/{draft.pk}/").status_code == HTTPStatus.NOT_FOUND
    assert (
        client.post(f"/instrument/{draft.pk}/publish/").status_code
        == HTTPStatus.NOT_FOUND
    )
    assert not InstrumentVersion.objects.get(pk=draft.pk).is_published


@pytest.mark.parametrize("who", ["caseworker", "team_leader", "analyst"])
def test_only_admins_manage_the_instrument(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/instrument/").status_code == HTTPStatus.FORBIDDEN
    assert (
        client.post(f"/instrument/{shipped().pk}/copy/").status_code
        == HTTPStatus.FORBIDDEN
    )
    assert InstrumentVersion.objects.count() == 1


def test_questions_count_constant(world):
    assert Question.objects.count() == 20
