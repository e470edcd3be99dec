import django.db.models.deletion
from django.db import migrations, models

# Which spells a statement touched, per table and event, read from the statement's
# transition tables ("new_rows", "old_rows"). Only changes a score can see count.
ROUND_INPUTS = "state, round_date, instrument_version_id, target_group_id, enrolment_id"
SPELLS = {
    "citizens_citizen": {
        "UPDATE": """SELECT e.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            JOIN citizens_enrolment e ON e.citizen_id = n.id
            WHERE n.birth_date IS DISTINCT FROM o.birth_date""",
    },
    "citizens_enrolment": {
        "INSERT": "SELECT id FROM new_rows",
        "UPDATE": """SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.start, n.target_group_id, n.citizen_id)
              IS DISTINCT FROM (o.start, o.target_group_id, o.citizen_id)""",
    },
    "citizens_assignment": {
        "INSERT": "SELECT enrolment_id FROM new_rows",
        "UPDATE": """SELECT enrolment_id FROM new_rows
            UNION SELECT enrolment_id FROM old_rows""",
        "DELETE": "SELECT enrolment_id FROM old_rows",
    },
    "measurements_round": {
        "INSERT": "SELECT enrolment_id FROM new_rows",
        "UPDATE": f"""SELECT n.enrolment_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.{ROUND_INPUTS.replace(", ", ", n.")})
              IS DISTINCT FROM (o.{ROUND_INPUTS.replace(", ", ", o.")})
            UNION SELECT o.enrolment_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.enrolment_id <> o.enrolment_id""",
        "DELETE": "SELECT enrolment_id FROM old_rows",
    },
    "measurements_response": {
        "INSERT": """SELECT r.enrolment_id FROM new_rows x
            JOIN measurements_round r ON r.id = x.round_id""",
        "UPDATE": """SELECT r.enrolment_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            JOIN measurements_round r ON r.id = n.round_id
            WHERE (n.state, n.respondent, n.round_id)
              IS DISTINCT FROM (o.state, o.respondent, o.round_id)""",
        "DELETE": """SELECT r.enrolment_id FROM old_rows x
            JOIN measurements_round r ON r.id = x.round_id""",
    },
    "measurements_answer": {
        event: f"""SELECT r.enrolment_id FROM {rows} x
            JOIN measurements_response p ON p.id = x.response_id
            JOIN measurements_round r ON r.id = p.round_id"""
        for event, rows in (
            ("INSERT", "new_rows"),
            ("UPDATE", "new_rows"),
            ("DELETE", "old_rows"),
        )
    },
    "interventions_interventionepisode": {
        "INSERT": "SELECT enrolment_id FROM new_rows",
        "UPDATE": """SELECT enrolment_id FROM new_rows
            UNION SELECT enrolment_id FROM old_rows""",
        "DELETE": "SELECT enrolment_id FROM old_rows",
    },
    # an outcome without a spell counts for every spell of its citizen
    "interventions_outcome": {
        event: f"""SELECT x.enrolment_id FROM {rows} x WHERE x.enrolment_id IS NOT NULL
            UNION SELECT e.id FROM {rows} x
            JOIN citizens_enrolment e ON e.citizen_id = x.citizen_id
            WHERE x.enrolment_id IS NULL"""
        for event, rows in (
            ("INSERT", "new_rows"),
            ("UPDATE", "new_rows"),
            ("DELETE", "old_rows"),
        )
    },
}
REFERENCING = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
}


def _name(table: str, event: str) -> str:
    return f"spell_inputs_{table}_{event.lower()}"


def _create() -> list[str]:
    out = []
    for table, events in SPELLS.items():
        for event, spells in events.items():
            name = _name(table, event)
            out.append(
                f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO measurements_spellscoring AS s (enrolment_id, inputs_version)
    SELECT DISTINCT x.id, 1 FROM ({spells}) AS x(id)
    WHERE x.id IS NOT NULL ORDER BY 1
    ON CONFLICT (enrolment_id)
    DO UPDATE SET inputs_version = s.inputs_version + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER {name} AFTER {event} ON {table}
    REFERENCING {REFERENCING[event]}
    FOR EACH STATEMENT EXECUTE FUNCTION {name}();"""
            )
    return out


def _drop() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {_name(t, e)} ON {t}; DROP FUNCTION IF EXISTS "
        f"{_name(t, e)}();"
        for t, events in SPELLS.items()
        for e in events
    ]


def _run_on_postgresql(statements: list[str], schema_editor) -> None:
    # The triggers are PL/pgSQL. SQLite (the demo) has no statement triggers with
    # transition tables: there the sweep treats every spell as changed
    # (measurements.scoring.recompute.changed_spells).
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in statements:
        schema_editor.execute(statement)


def _triggers_create(apps, schema_editor) -> None:
    _run_on_postgresql(_create(), schema_editor)


def _triggers_drop(apps, schema_editor) -> None:
    _run_on_postgresql(_drop(), schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('citizens', '0005_assignment_source_data'),
        ('interventions', '0002_seed_catalogue'),
        ('measurements', '0007_score_worklist'),
    ]

    operations = [
        migrations.CreateModel(
            name='SpellScoring',
            fields=[
                ('enrolment', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='citizens.enrolment')),
                ('inputs_version', models.BigIntegerField(default=0)),
                ('scored_version', models.BigIntegerField(null=True)),
                ('scored_threshold', models.FloatField(null=True)),
                ('scored_model_version', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='measurements.modelversion')),
            ],
        ),
        migrations.RunPython(_triggers_create, _triggers_drop),
    ]
