"""CPR key rotation (DESIGN section 1): `rotate_cpr_keys` moves every stored CPR number
to the current encryption key and HMAC key, resumably, and old keys can then go."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import CommandError, call_command

from bip.audit.models import AuditEvent
from bip.imports.models import ImportBatch, ImportRow
from citizens import crypto
from citizens.models import Citizen
from citizens.selectors import citizen_search
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db(databases=["default", "audit"])
NEW, OLD = settings.BIP_CPR_KEYS.split(",")  # "k1:...", "k0:..."
CPRS = ["0707614285", "1203851002", "0405921006"]


def rotate(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_cpr_keys", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def under_old_key(world, settings):
    """Three citizens written while k0 was the current key."""
    settings.BIP_CPR_KEYS = f"{OLD},{NEW}"
    citizens = [CitizenFactory(team=world.team, cpr=d) for d in CPRS]
    settings.BIP_CPR_KEYS = f"{NEW},{OLD}"
    return citizens


def stored(citizen: Citizen) -> tuple[str, str, str]:
    citizen.refresh_from_db()
    return citizen.cpr_key_id, citizen.cpr_ciphertext, citizen.cpr_hmac


def test_it_moves_every_value_to_the_current_key_then_old_keys_can_go(
    under_old_key, settings
):
    before = [stored(c) for c in under_old_key]
    assert {key_id for key_id, _, _ in before} == {"k0"}
    out = rotate("--batch-size", "2")  # two chunks
    after = [stored(c) for c in under_old_key]
    assert {key_id for key_id, _, _ in after} == {"k1"}
    assert all(a[1] != b[1] for a, b in zip(after, before, strict=True))
    assert [a[2] for a in after] == [b[2] for b in before]  # same HMAC key: same hash
    assert "3 were re-encrypted" in out
    assert not any(d in out for d in CPRS)

    settings.BIP_CPR_KEYS = NEW  # the old key is removed
    assert [c.cpr_clear().replace("-", "") for c in under_old_key] == CPRS
    out = rotate()  # a no-op now
    assert "0 were re-encrypted under key 'k1', 0 were re-hashed" in out
    assert AuditEvent.objects.filter(action="cpr.keys_rotate").count() == 2


def test_a_new_hmac_key_rehashes_and_lookups_find_the_citizen(
    under_old_key, settings, municipal_admin
):
    settings.BIP_CPR_HMAC_KEY = "a-new-hmac-key"
    assert not citizen_search(viewer=municipal_admin, text=CPRS[0]).exists()
    out = rotate()
    assert "3 were re-hashed" in out
    for citizen, digits in zip(under_old_key, CPRS, strict=True):
        assert stored(citizen)[2] == crypto.keyed_hash(digits)
    found = citizen_search(viewer=municipal_admin, text=CPRS[0])
    assert list(found) == [under_old_key[0]]


def test_dry_run_writes_nothing(under_old_key):
    before = [stored(c) for c in under_old_key]
    out = rotate("--dry-run")
    assert "3 would be re-encrypted" in out
    assert [stored(c) for c in under_old_key] == before
    assert not AuditEvent.objects.filter(action="cpr.keys_rotate").exists()


def test_a_missing_old_key_is_a_clear_error_and_nothing_is_written(
    under_old_key, settings
):
    before = [stored(c) for c in under_old_key]
    settings.BIP_CPR_KEYS = NEW  # removed too early
    with pytest.raises(CommandError, match="'k0' is not configured"):
        rotate()
    assert [stored(c) for c in under_old_key] == before


def test_a_wrong_key_under_a_known_id_is_a_clear_error(under_old_key, settings):
    settings.BIP_CPR_KEYS = f"{NEW},k0:{Fernet.generate_key().decode()}"
    with pytest.raises(CommandError, match="No key in BIP_CPR_KEYS opens"):
        rotate()


def test_two_rows_of_one_person_are_refused_not_hidden(world, settings):
    # Created under the new HMAC key while an old row still had the old hash.
    first = CitizenFactory(team=world.team, cpr=CPRS[0])
    settings.BIP_CPR_HMAC_KEY = "a-new-hmac-key"
    second = CitizenFactory(team=world.team, cpr=CPRS[0])
    with pytest.raises(CommandError, match=f"Citizens {first.pk} and {second.pk}"):
        rotate()
    assert stored(first)[2] != stored(second)[2]


def test_unsaved_citizens_imports_are_brought_along(world, settings, municipal_admin):
    settings.BIP_CPR_KEYS = f"{OLD},{NEW}"
    key_id, token = crypto.encrypt(CPRS[1])
    batch = ImportBatch.objects.create(
        municipality=world.municipality,
        kind="citizens",
        original_name="c.csv",
        created_by=municipal_admin,
    )
    row = ImportRow.objects.create(
        batch=batch,
        row_number=1,
        key=crypto.keyed_hash(CPRS[1]),
        data={"cpr_enc": f"{key_id}:{token}"},
    )
    settings.BIP_CPR_KEYS = f"{NEW},{OLD}"
    settings.BIP_CPR_HMAC_KEY = "a-new-hmac-key"
    assert "1 rows of unsaved imports were brought along" in rotate()
    row.refresh_from_db()
    new_id, new_token = row.data["cpr_enc"].split(":", 1)
    assert new_id == "k1"
    assert crypto.decrypt(new_id, new_token) == CPRS[1]
    assert row.key == crypto.keyed_hash(CPRS[1])
