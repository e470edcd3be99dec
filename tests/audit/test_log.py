from __future__ import annotations

from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.db import DatabaseError, connections, transaction
from django.db.models import QuerySet

from bip.audit import partitions
from bip.audit.models import AuditEvent, AuditEventCitizen
from bip.audit.services import audit_maintain, record, record_denial


@pytest.mark.django_db
def test_update_and_delete_are_refused(caseworker):
    event = record(
        actor=caseworker, action="citizen.view", object_type="citizen", object_id=1
    )
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(using="audit"),
    ):
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(using="audit"),
    ):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "citizen.view"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_denial_is_kept_when_the_request_transaction_rolls_back(caseworker):
    def failing_request():
        with transaction.atomic():
            record_denial(actor=caseworker, object_type="citizen", object_id="42")
            record(
                actor=caseworker,
                action="citizen.update",
                object_type="citizen",
                object_id="42",
                write=True,
            )
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        failing_request()
    actions = set(AuditEvent.objects.using("default").values_list("action", flat=True))
    assert "access.denied" in actions  # written through the audit connection: kept
    assert "citizen.update" not in actions  # a write event rolls back with its write


@pytest.mark.django_db
def test_events_link_every_citizen_touched(caseworker):
    event = record(actor=caseworker, action="citizen.list", citizen_ids=[3, 1, 2, 3])
    linked = AuditEventCitizen.objects.filter(event_id=event.pk).values_list(
        "citizen_id", flat=True
    )
    assert sorted(linked) == [1, 2, 3]


@pytest.mark.django_db
def test_retention_drops_an_old_partition(settings):
    conn = connections["default"]
    created = partitions.ensure(date(2020, 1, 1), months_ahead=0)
    assert "audit_auditevent_y2020m01" in created
    old = AuditEvent.objects.using("default").create(
        ts=datetime(2020, 1, 15, tzinfo=UTC), action="citizen.view", purpose="casework"
    )
    settings.BIP_AUDIT_RETENTION_MONTHS = 24
    result = audit_maintain(today=date(2026, 11, 26))
    assert "audit_auditevent_y2020m01" in result["dropped"]
    assert not AuditEvent.objects.using("default").filter(pk=old.pk).exists()
    with conn.cursor() as cursor:
        cursor.execute("SELECT to_regclass('audit_auditevent_y2020m01')")
        assert cursor.fetchone()[0] is None
        cursor.execute("SELECT to_regclass('audit_auditevent_y2027m02')")
        assert cursor.fetchone()[0] is not None  # three months ahead


@pytest.mark.django_db
def test_no_clear_cpr_in_search_criterion(client, municipal_admin, citizen):
    client.force_login(municipal_admin)
    digits = citizen.cpr_clear().replace("-", "")
    r = client.post("/audit/", {"cpr": digits})
    assert r.status_code == 200
    event = AuditEvent.objects.filter(action="audit.search").latest("ts")
    assert digits not in event.criterion_masked
    assert event.criterion_masked == f"cpr={digits[:6]}-XXXX"


@pytest.mark.django_db
def test_an_event_about_an_object_takes_its_kind_and_municipality(citizen, world):
    event = record(actor=None, action="citizen.view", obj=citizen)
    assert (event.object_type, event.object_id) == ("citizen", str(citizen.pk))
    assert event.municipality_id == world.municipality.pk
    assert (event.actor_id, event.actor_label, event.criterion_masked) == (None, "", "")


@pytest.mark.django_db
def test_an_object_without_a_municipality_falls_back_to_the_actor(
    caseworker, municipal_admin, world
):
    caseworker.active_municipality_id = world.municipality.pk
    event = record(actor=caseworker, action="user.view", obj=municipal_admin)
    assert (event.object_type, event.municipality_id) == ("user", world.municipality.pk)


@pytest.mark.django_db
def test_a_named_municipality_wins_over_the_actors(caseworker, world):
    caseworker.active_municipality_id = world.municipality.pk
    event = record(
        actor=caseworker,
        action="link.create",
        municipality_id=world.other_municipality.pk,
    )
    assert event.municipality_id == world.other_municipality.pk
    assert (event.object_type, event.object_id) == ("", "")


@pytest.mark.django_db
def test_an_event_records_where_the_request_came_from(client, caseworker, citizen):
    client.force_login(caseworker)
    client.get(f"/citizens/{citizen.pk}/", REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.get(action="citizen.view")
    assert event.ip == "10.1.2.3"
    assert event.request_id


@pytest.mark.django_db
def test_a_long_criterion_is_cut_to_the_column(caseworker):
    event = record(actor=caseworker, action="audit.search", criterion_masked="x" * 300)
    assert AuditEvent.objects.get(pk=event.pk).criterion_masked == "x" * 200


@pytest.mark.django_db
def test_an_event_and_its_citizens_are_written_together(caseworker, citizen):
    with (
        mock.patch.object(QuerySet, "bulk_create", side_effect=DatabaseError),
        pytest.raises(DatabaseError),
    ):
        record(actor=caseworker, action="citizen.list", citizen_ids=[citizen.pk])
    assert not AuditEvent.objects.filter(action="citizen.list").exists()
