"""Scoring: the person-quarter panel, the job-probability models and their use
(SPEC section 5, DESIGN section 5)."""
