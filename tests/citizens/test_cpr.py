from __future__ import annotations

from datetime import date

import pytest

from citizens import cpr, crypto


@pytest.mark.parametrize(
    ("number", "born"),
    [
        (
            "070761-4285",
            date(1961, 7, 7),
        ),  # modulus-11 valid, 7th digit 4, YY 61 -> 1900s
        ("0707614285", date(1961, 7, 7)),  # without hyphen
        (" 070761 4285 ", date(1961, 7, 7)),  # spaces around and inside
    ],
)
def test_valid_numbers_with_and_without_hyphen(number, born):
    parsed = cpr.parse(number)
    assert parsed.birth_date == born
    assert parsed.formatted == "070761-4285"
    assert parsed.warnings == ()


def test_first_january_number_without_check_digit_is_kept_with_a_warning():
    # 1 January 1965: the CPR office issues numbers that fail modulus 11 since 2007
    parsed = cpr.parse("010165-1234")
    assert not cpr.modulus11_ok("0101651234")
    assert parsed.birth_date == date(1965, 1, 1)
    assert len(parsed.warnings) == 1
    assert "2007" in parsed.warnings[0]


@pytest.mark.parametrize(
    "number", ["320190-1234", "310290-1234", "001290-1234", "150090-1234"]
)
def test_impossible_dates_are_refused(number):
    with pytest.raises(cpr.CprError):
        cpr.parse(number)


@pytest.mark.parametrize(
    "number", ["", "12345", "12345678901", "abcdef-ghij", "0101651234x"]
)
def test_malformed_input_is_refused(number):
    with pytest.raises(cpr.CprError):
        cpr.parse(number)


@pytest.mark.parametrize(
    ("yy", "digit7", "year"),
    [
        (10, 0, 1910),
        (60, 3, 1960),  # 0-3: always 1900s
        (20, 4, 2020),
        (36, 4, 2036),
        (37, 4, 1937),
        (99, 4, 1999),  # 4 and 9
        (20, 9, 2020),
        (50, 9, 1950),
        (20, 5, 2020),
        (57, 8, 2057),
        (58, 6, 1858),
        (99, 7, 1899),  # 5-8
    ],
)
def test_century_rules(yy, digit7, year):
    assert cpr.century(yy, digit7) + yy == year
    parsed = cpr.parse(f"0101{yy:02d}{digit7}123")
    assert parsed.birth_date.year == year


def test_29_february_only_in_leap_years():
    assert cpr.parse("290200-4123").birth_date == date(2000, 2, 29)
    with pytest.raises(cpr.CprError):
        cpr.parse("290201-4123")


def test_nine_digits_from_excel_are_padded_with_a_warning():
    parsed = cpr.parse("707614285", allow_nine_digits=True)
    assert parsed.digits == "0707614285"
    assert parsed.warnings
    with pytest.raises(cpr.CprError):
        cpr.parse("707614285")  # only where the caller allows it (imports)


def test_masking_never_shows_the_serial():
    assert cpr.mask("0707614285") == "070761-XXXX"
    assert cpr.mask("070761-4285") == "070761-XXXX"


def test_keyed_hash_finds_duplicates_whatever_the_format():
    a = crypto.keyed_hash(cpr.parse("070761-4285").digits)
    b = crypto.keyed_hash(cpr.parse("0707614285").digits)
    assert a == b
    assert a != crypto.keyed_hash(cpr.parse("070761-4293").digits)
    assert "0707614285" not in a


def test_encryption_round_trips_and_hides_the_number():
    key_id, token = crypto.encrypt("0707614285")
    assert "0707614285" not in token
    assert crypto.decrypt(key_id, token) == "0707614285"


def test_old_keys_still_decrypt():
    from cryptography.fernet import Fernet
    from django.conf import settings

    old_key = settings.BIP_CPR_KEYS.split(",")[1].split(":", 1)[1]
    token = Fernet(old_key.encode()).encrypt(b"0707614285").decode()
    assert crypto.decrypt("k0", token) == "0707614285"
