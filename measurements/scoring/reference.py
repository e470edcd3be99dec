"""The reference model shipped with the product, built from BIP's published effects
(SPEC section 1). docs/model.md gives the source of every number; numbers without a
published source are marked as assumptions there and here."""

from __future__ import annotations

import math

from measurements.scoring.model import Coefficients, logit, quarterly_from_annual

# Published: about 6% of activity-ready recipients enter employment within a year.
BASE_RATE_YEAR = 0.06
# Published: one step up in the case worker's belief goes with about 33% higher
# probability of job or education (read as the odds ratio at low rates).
CW_BELIEF_PER_STEP = math.log(1.33)
# Published: a change of case worker goes with about 22% lower probability.
CW_CHANGE = math.log(0.78)
# Assumption: BIP names the indicators with the strongest direct link to job but gives
# no per-step size for them here; each gets a modest 10% per step.
NAMED_PER_STEP = math.log(1.10)

CITIZEN_NAMED = (
    "health_coping",
    "labour_market_knowledge",
    "self_efficacy",
    "cooperation",
    "job_search",
)
CASEWORKER_NAMED = ("goal_directed", "labour_market_knowledge")


def reference_coefficients() -> Coefficients:
    features = {f"cit_{code}": NAMED_PER_STEP for code in CITIZEN_NAMED}
    features.update({f"cw_{code}": NAMED_PER_STEP for code in CASEWORKER_NAMED})
    features["cw_cw_job_belief"] = CW_BELIEF_PER_STEP
    features["cw_change"] = CW_CHANGE
    # The intercept: a quarterly hazard giving the 6% annual base rate for a citizen
    # rated 3 on everything (all centred features 0) with no case-worker change.
    return Coefficients(
        intercept=logit(quarterly_from_annual(BASE_RATE_YEAR)), features=features
    )
