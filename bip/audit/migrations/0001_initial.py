# Hand-written: on PostgreSQL the audit tables are partitioned by month with primary
# key (id, ts) and refuse UPDATE and DELETE; the model state keeps an ordinary id.
from __future__ import annotations

import django.utils.timezone
from django.db import migrations, models

EVENT_SQL = """
CREATE SEQUENCE audit_auditevent_id_seq;
CREATE TABLE audit_auditevent (
    id bigint NOT NULL DEFAULT nextval('audit_auditevent_id_seq'),
    ts timestamptz NOT NULL,
    actor_id bigint NULL,
    actor_label varchar(150) NOT NULL,
    municipality_id bigint NULL,
    action varchar(64) NOT NULL,
    object_type varchar(64) NOT NULL,
    object_id varchar(64) NOT NULL,
    purpose varchar(32) NOT NULL,
    ip inet NULL,
    request_id varchar(64) NOT NULL,
    criterion_masked varchar(200) NOT NULL,
    PRIMARY KEY (id, ts)
) PARTITION BY RANGE (ts);
ALTER SEQUENCE audit_auditevent_id_seq OWNED BY audit_auditevent.id;
CREATE TABLE audit_auditevent_default PARTITION OF audit_auditevent DEFAULT;
CREATE INDEX audit_event_muni_idx ON audit_auditevent (municipality_id, ts);
CREATE INDEX audit_event_actor_idx ON audit_auditevent (actor_id, ts);

CREATE SEQUENCE audit_auditeventcitizen_id_seq;
CREATE TABLE audit_auditeventcitizen (
    id bigint NOT NULL DEFAULT nextval('audit_auditeventcitizen_id_seq'),
    event_id bigint NOT NULL,
    citizen_id bigint NOT NULL,
    ts timestamptz NOT NULL,
    PRIMARY KEY (id, ts)
) PARTITION BY RANGE (ts);
ALTER SEQUENCE audit_auditeventcitizen_id_seq OWNED BY audit_auditeventcitizen.id;
CREATE TABLE audit_auditeventcitizen_default PARTITION OF audit_auditeventcitizen DEFAULT;
CREATE INDEX audit_citizen_ts_idx ON audit_auditeventcitizen (citizen_id, ts);
CREATE INDEX audit_citizen_event_idx ON audit_auditeventcitizen (event_id);

CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP;
END $$;
CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE OR DELETE
    ON audit_auditevent FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_auditeventcitizen_append_only BEFORE UPDATE OR DELETE
    ON audit_auditeventcitizen FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
"""

DROP_SQL = """
DROP TABLE IF EXISTS audit_auditevent CASCADE;
DROP TABLE IF EXISTS audit_auditeventcitizen CASCADE;
DROP FUNCTION IF EXISTS audit_refuse_change();
"""


def create_tables(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(EVENT_SQL, params=None)
        from django.utils import timezone

        from bip.audit import partitions

        partitions.ensure(timezone.localdate(), using=schema_editor.connection.alias)
    else:
        schema_editor.create_model(apps.get_model("audit", "AuditEvent"))
        schema_editor.create_model(apps.get_model("audit", "AuditEventCitizen"))


def drop_tables(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)
    else:
        schema_editor.delete_model(apps.get_model("audit", "AuditEventCitizen"))
        schema_editor.delete_model(apps.get_model("audit", "AuditEvent"))


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("ts", models.DateTimeField(default=django.utils.timezone.now)),
                        ("actor_id", models.BigIntegerField(null=True)),
                        ("actor_label", models.CharField(blank=True, max_length=150)),
                        ("municipality_id", models.BigIntegerField(null=True)),
                        ("action", models.CharField(max_length=64)),
                        ("object_type", models.CharField(blank=True, max_length=64)),
                        ("object_id", models.CharField(blank=True, max_length=64)),
                        ("purpose", models.CharField(choices=[("casework", "Case work"), ("follow_up", "Follow-up and management"), ("statistics", "Statistics and analysis"), ("administration", "Administration"), ("access_request", "Citizen's access request"), ("security", "Security control"), ("self_service", "Citizen's own answers")], max_length=32)),
                        ("ip", models.GenericIPAddressField(null=True)),
                        ("request_id", models.CharField(blank=True, max_length=64)),
                        ("criterion_masked", models.CharField(blank=True, max_length=200)),
                    ],
                    options={
                        "verbose_name": "audit event",
                        "indexes": [
                            models.Index(fields=["municipality_id", "ts"], name="audit_event_muni_idx"),
                            models.Index(fields=["actor_id", "ts"], name="audit_event_actor_idx"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="AuditEventCitizen",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("event_id", models.BigIntegerField()),
                        ("citizen_id", models.BigIntegerField()),
                        ("ts", models.DateTimeField()),
                    ],
                    options={
                        "indexes": [
                            models.Index(fields=["citizen_id", "ts"], name="audit_citizen_ts_idx"),
                            models.Index(fields=["event_id"], name="audit_citizen_event_idx"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        # After the state exists, so the SQLite branch can create the models from it.
        migrations.RunPython(create_tables, drop_tables),
    ]
