"""Synthetic data for the demo, the benchmarks and the tests, in one place.

Generators describe spells in memory (`records`): `cohort` simulates a cohort with
known true coefficients, `caseload` a team's caseload whose answers move plausibly,
`uniform` equal spells with random answers for volume. `writer` writes any of them
through the product's tables in bulk (COPY on PostgreSQL); `files` writes a cohort as
the import formats' files. CPR numbers come from `people`, unique per municipality at
national scale. No real person's data; never run against a real municipality.
"""
