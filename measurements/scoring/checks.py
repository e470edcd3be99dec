"""Checks that keep a model that cannot be estimated from being stored, and keep a
stored one that cannot be used from breaking a page (DESIGN section 5).

A fit refuses a design that is (numerically) rank-deficient and an estimated
covariance that is not finite, not positive semi-definite or has standard errors too
large to mean anything, each with the columns named. The same covariance check tells
the model card and "what to work on" why a version stored before these checks cannot
give intervals."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

# singular values of the design with unit-length columns below this share of the
# largest count as zero: the information matrix's condition number is then above
# 1e16, and no estimate of those columns means anything
RANK_TOLERANCE = 1e-8
# a column whose share of a null direction is below this is not named as involved
LOADING = 0.01
# log-odds: a 95% interval of +-20, i.e. odds ratios from 1e-9 to 1e9
MAX_SE = 10.0
# eigenvalues of the covariance below -PSD_TOLERANCE x the largest are negative for
# real, not rounding
PSD_TOLERANCE = 1e-8


class ModelUnusable(ValueError):
    """A stored version whose coefficients or uncertainty cannot be used; the message
    says why, for the page that wanted them."""


def number(value: Any) -> float | None:
    """A finite float, or None for anything else (None, NaN, infinity, text, bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        return None
    out = float(value)
    return out if math.isfinite(out) else None


def columns_text(names: list[str]) -> str:
    return ", ".join(names)


def dependent_columns(X: pd.DataFrame) -> list[str]:
    """The columns of a rank-deficient design that take part in a linear dependence;
    empty when the design has full rank."""
    Z = X.to_numpy(dtype=float)
    if Z.shape[1] == 0:
        return []
    if Z.shape[0] < Z.shape[1]:  # fewer rows than columns: every column is involved
        return [str(c) for c in X.columns]
    norms = np.linalg.norm(Z, axis=0)
    Z = Z / np.where(norms > 0, norms, 1.0)
    _u, s, vt = np.linalg.svd(Z, full_matrices=False)
    if s[0] == 0:
        return [str(c) for c in X.columns]
    null = vt[s < RANK_TOLERANCE * s[0]]
    if len(null) == 0:
        return []
    loadings = np.abs(null).max(axis=0)
    return [str(c) for c, w in zip(X.columns, loadings, strict=True) if w > LOADING]


def rank_message(columns: list[str]) -> str:
    return _(
        "The model cannot be estimated: the design columns %(columns)s depend "
        "linearly on each other, so their effects cannot be told apart."
    ) % {"columns": columns_text(columns)}


def covariance_problem(names: list[str], matrix: Any) -> str | None:
    """Why a covariance of the estimates `names` cannot give intervals, naming the
    columns; None when it can."""
    try:
        A = np.array(matrix, dtype=float)
    except (TypeError, ValueError):
        return _("The covariance of the estimates is not a table of numbers.")
    if A.shape != (len(names), len(names)):
        return _("The covariance of the estimates does not match its coefficients.")
    bad = [n for n, row in zip(names, A, strict=True) if not np.isfinite(row).all()]
    if bad:
        return _(
            "The covariance of the estimates is not a finite number for the columns "
            "%(columns)s."
        ) % {"columns": columns_text(bad)}
    A = (A + A.T) / 2.0
    w, v = np.linalg.eigh(A)
    scale = max(float(np.abs(w).max()), np.finfo(float).tiny)
    negative = w < -PSD_TOLERANCE * scale
    if negative.any():
        loadings = np.abs(v[:, negative]).max(axis=1)
        involved = [
            n for n, x in zip(names, loadings, strict=True) if x >= 0.5 * loadings.max()
        ]
        return _(
            "The covariance of the estimates is not positive semi-definite in the "
            "columns %(columns)s, so their intervals cannot be computed."
        ) % {"columns": columns_text(involved)}
    variances = np.diag(A)
    wide = [
        n
        for n, var in zip(names, variances, strict=True)
        if var <= 0 or math.sqrt(var) > MAX_SE
    ]
    if wide:
        return _(
            "The standard errors of the columns %(columns)s are zero or above %(max)s "
            "on the log-odds scale: the data cannot estimate them."
        ) % {"columns": columns_text(wide), "max": f"{MAX_SE:g}"}
    return None
