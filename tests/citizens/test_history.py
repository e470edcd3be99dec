"""The case-worker history of a spell rebuilt from stored assignments, historic rounds
and exact rows (citizens/history.py): pure, so every rule is tested on dates."""

from __future__ import annotations

from datetime import date, timedelta

from citizens.history import (
    ASSUMED,
    EXACT,
    ROUNDS,
    Evidence,
    Interval,
    rebuild,
)

S = date(2022, 1, 3)
Y, X, Z = 1, 2, 3  # case workers


def team(cw: int, day: date) -> int:
    return 100 + cw


def d(days: int) -> date:
    return S + timedelta(days=days)


def shape(result):
    return [(i.start, i.end, i.caseworker_id, i.source) for i in result.intervals]


def stored_from(result, first_pk=1):
    return [
        Interval(i.start, i.end, i.caseworker_id, i.team_id, i.source, pk=n)
        for n, i in enumerate(result.intervals, start=first_pk)
    ]


def run(stored, evidence, end=None):
    return rebuild(
        spell_start=S, spell_end=end, stored=stored, evidence=evidence, team_for=team
    )


PLACEHOLDER = [Interval(S, None, Y, 101, ASSUMED, pk=1)]
ROUNDS_XXZ = [
    Evidence(d(10), X, keys=("r1",)),
    Evidence(d(100), X, keys=("r2",)),
    Evidence(d(190), Z, keys=("r3",)),
]


def test_rounds_fill_the_past_and_the_current_case_worker_resumes():
    result = run(PLACEHOLDER, ROUNDS_XXZ)
    assert result.conflicts == {}
    assert shape(result) == [
        (S, d(190), X, ROUNDS),
        (d(190), d(191), Z, ROUNDS),
        (d(191), None, Y, ASSUMED),
    ]
    assert [i.team_id for i in result.intervals] == [102, 103, 101]


def test_the_same_rounds_again_change_nothing():
    first = run(PLACEHOLDER, ROUNDS_XXZ)
    stored = stored_from(first)
    again = run(stored, ROUNDS_XXZ)
    assert again.conflicts == {}
    assert [(i.pk, i.start, i.end) for i in again.intervals] == [
        (i.pk, i.start, i.end) for i in stored
    ]


def test_a_later_file_continues_the_history_without_a_phantom_change():
    first = run(PLACEHOLDER, ROUNDS_XXZ[:2])
    later = [*ROUNDS_XXZ[:2], Evidence(d(190), X, keys=("r3",))]
    result = run(stored_from(first), later)
    assert shape(result) == [(S, d(191), X, ROUNDS), (d(191), None, Y, ASSUMED)]


def test_when_the_last_round_names_the_current_case_worker_nothing_resumes():
    result = run(PLACEHOLDER, [Evidence(d(10), X), Evidence(d(100), Y)])
    assert shape(result) == [(S, d(100), X, ROUNDS), (d(100), None, Y, ROUNDS)]


def test_a_closed_spell_gives_the_same_history_as_closing_it_afterwards():
    spell_end = d(150)
    closed_first = run(
        [Interval(S, spell_end, Y, 101, ASSUMED, pk=1)], ROUNDS_XXZ, end=spell_end
    )
    open_result = run(PLACEHOLDER, ROUNDS_XXZ)
    last = open_result.intervals[-1]
    closed_after = [
        *shape(open_result)[:-1],
        (last.start, max(spell_end, last.start), last.caseworker_id, last.source),
    ]
    assert shape(closed_first) == closed_after


def test_exact_rows_replace_the_assumption_and_rounds_must_agree():
    exact = [
        Evidence(S, Y, keys=("a1",), exact=True),
        Evidence(d(50), X, ("a2",), True),
    ]
    result = run(PLACEHOLDER, exact)
    assert result.conflicts == {}
    assert shape(result) == [(S, d(50), Y, EXACT), (d(50), None, X, EXACT)]
    stored = stored_from(result)
    rounds = [Evidence(d(10), Y, ("r1",)), Evidence(d(60), Z, ("r2",))]
    checked = run(stored, rounds)
    assert set(checked.conflicts) == {"r2"}
    assert checked.conflicts["r2"].caseworker_id == X
    assert checked.conflicts["r2"].day == d(50)


def test_an_exact_row_inside_a_closed_stretch_is_a_conflict_and_a_later_one_extends():
    stored = [
        Interval(S, d(50), Y, 101, EXACT, pk=1),
        Interval(d(50), None, X, 102, EXACT, pk=2),
    ]
    inside = run(stored, [Evidence(d(20), Z, ("a",), exact=True)])
    assert set(inside.conflicts) == {"a"}
    later = run(stored, [Evidence(d(80), Z, ("b",), exact=True)])
    assert later.conflicts == {}
    assert shape(later)[-2:] == [(d(50), d(80), X, EXACT), (d(80), None, Z, EXACT)]


def test_an_exact_row_against_a_stored_round_is_a_conflict_on_that_row():
    stored_round = Evidence(d(60), X)  # a stored round: no import row
    result = run(PLACEHOLDER, [stored_round, Evidence(d(40), Z, ("a",), exact=True)])
    assert set(result.conflicts) == {"a"}
    assert result.conflicts["a"].what == "round"


def test_rounds_before_a_hand_entered_change_fill_the_stretch_before_it():
    stored = [
        Interval(S, d(200), Y, 101, ASSUMED, pk=1),
        Interval(d(200), None, X, 102, EXACT, pk=2),
    ]
    result = run(stored, [Evidence(d(10), Z, ("r1",)), Evidence(d(120), Y, ("r2",))])
    assert result.conflicts == {}
    assert shape(result) == [
        (S, d(120), Z, ROUNDS),
        (d(120), d(200), Y, ROUNDS),
        (d(200), None, X, EXACT),
    ]
    after = run(stored, [Evidence(d(210), Z, ("r3",))])
    assert set(after.conflicts) == {"r3"}
