"""Synthetic people: CPR numbers unique per birth date, and names."""

from __future__ import annotations

import random
from datetime import date

from citizens import cpr

FIRST_NAMES = (
    "Anna",
    "Mette",
    "Hanne",
    "Lene",
    "Camilla",
    "Louise",
    "Sofie",
    "Emma",
    "Ida",
    "Maria",
    "Fatima",
    "Ayse",
    "Zainab",
    "Peter",
    "Jens",
    "Lars",
    "Mikkel",
    "Rasmus",
    "Søren",
    "Niels",
    "Mads",
    "Anders",
    "Ahmad",
    "Mohammed",
    "Ali",
    "Jonas",
    "Kasper",
    "Frederik",
    "Henrik",
    "Bo",
    "Birgit",
    "Inge",
    "Karen",
    "Sanne",
    "Malene",
    "Helle",
    "Tobias",
    "Emil",
)
LAST_NAMES = (
    "Nielsen",
    "Jensen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Poulsen",
    "Johansen",
    "Knudsen",
    "Møller",
    "Mortensen",
    "Østergaard",
    "Ærenlund",
    "Ahmadi",
    "Yilmaz",
    "Hussein",
    "Kowalski",
    "Frandsen",
)


def random_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def century_digits(born: date) -> tuple[int, ...]:
    """The 7th digits that give this birth year under the century rule."""
    yy = born.year % 100
    return tuple(d for d in range(10) if cpr.century(yy, d) + yy == born.year)


class CprNumbers:
    """Hands out distinct CPR numbers (ten digits) per birth date: first those that
    pass modulus 11, as numbers issued before 2007 do, then the rest, so a birth date
    has 4,000 numbers (6,000 for some years) before it runs out. Numbers come from a
    counter per birth date, not from a serial modulo 1,000: a national cohort of
    250,000 has many citizens born on the same day."""

    def __init__(self) -> None:
        # birth date -> [next position, the date's digits, their weighted sum, 7th digits]
        self._dates: dict[date, list] = {}

    def next(self, born: date) -> str:
        state = self._dates.get(born)
        if state is None:
            prefix = f"{born:%d%m%y}"
            weighted = sum(
                int(d) * w for d, w in zip(prefix, cpr.WEIGHTS, strict=False)
            )
            state = self._dates[born] = [0, prefix, weighted, century_digits(born)]
        k, prefix, weighted, sevenths = state
        with_check = len(sevenths) * 100  # one number per 9-digit prefix at most
        while True:
            if k >= with_check + len(sevenths) * 1000:
                raise ValueError(f"no CPR numbers left for the birth date {born}")
            if k < with_check:
                seventh, middle = sevenths[k // 100], k % 100
                check = _check_digit(weighted, seventh, middle)
                k += 1
                if check is not None:
                    break
            else:
                serial = k - with_check
                seventh, middle, check = (
                    sevenths[serial // 1000],
                    serial % 1000 // 10,
                    serial % 10,
                )
                k += 1
                if check != _check_digit(weighted, seventh, middle):
                    break  # the ones that pass were handed out first
        state[0] = k
        return f"{prefix}{seventh}{middle:02d}{check}"


def _check_digit(weighted: int, seventh: int, middle: int) -> int | None:
    """The 10th digit that makes the number pass modulus 11 (weights 4, 3, 2 for the
    7th to 9th digits, 1 for the 10th); None if there is none."""
    total = weighted + 4 * seventh + 3 * (middle // 10) + 2 * (middle % 10)
    check = -total % 11
    return None if check == 10 else check
