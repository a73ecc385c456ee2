#!/usr/bin/env python3
"""Expected values for @vigia/stats univariate routines, computed with scipy/numpy.

Run from the repo root:  python3 packages/stats/scripts/gen-univariate-fixtures.py
Writes packages/stats/test/fixtures/univariate.json (seeded, so re-running gives the same file).
Requires numpy and scipy (generated with scipy 1.17). Samples are rounded to a few decimals before
anything is computed, so the JSON holds exactly the values scipy saw (and ties occur on purpose).
"""
import json
import math
import os
import sys

import numpy as np
import scipy
from scipy import stats
from scipy.spatial.distance import jensenshannon

rng = np.random.default_rng(20240611)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'univariate.json')


def sample(kind, n, shift=0.0, scale=1.0, decimals=4):
    if kind == 'normal':
        x = rng.normal(shift, scale, n)
    elif kind == 'lognormal':
        x = rng.lognormal(shift, scale, n)
    elif kind == 'int':  # heavy ties
        x = rng.poisson(5 + shift, n).astype(float)
    else:
        raise ValueError(kind)
    return [float(v) for v in np.round(x, decimals)]


def f(v):
    """JSON-safe float (scipy returns numpy scalars)."""
    v = float(v)
    if math.isnan(v) or math.isinf(v):
        return None
    return v


# --- KS two-sample -------------------------------------------------------------------------------
ks_cases = []
ks_specs = [
    # (name, kind, n1, n2, shift, method)
    ('tiny-equal', 'normal', 5, 5, 0.5, 'auto'),
    ('tiny-unequal', 'normal', 5, 7, 1.0, 'auto'),
    ('small-ties', 'int', 8, 12, 1.0, 'auto'),
    ('small-equal', 'normal', 10, 10, 0.0, 'auto'),
    ('medium', 'normal', 50, 60, 0.3, 'auto'),
    ('medium-ties', 'int', 300, 200, 0.4, 'auto'),
    ('n1000-equal', 'lognormal', 1000, 1000, 0.1, 'auto'),
    ('n1000-unequal', 'normal', 1000, 1500, 0.05, 'auto'),
    ('tiny-p-exact', 'normal', 500, 500, 1.0, 'auto'),
    ('tiny-p-lattice', 'normal', 400, 300, 0.8, 'auto'),
    ('small-forced-asymp', 'normal', 40, 60, 0.5, 'asymp'),
    ('forced-exact', 'normal', 120, 80, 0.2, 'exact'),
    ('large-asymp', 'normal', 12000, 3000, 0.05, 'auto'),
    ('large-asymp-null', 'normal', 11000, 11000, 0.0, 'auto'),
    ('large-vs-small', 'normal', 15000, 40, 0.4, 'auto'),
]
for name, kind, n1, n2, shift, method in ks_specs:
    decimals = 3 if n1 + n2 > 5000 else 4
    a = sample(kind, n1, 0.0, decimals=decimals)
    b = sample(kind, n2, shift, decimals=decimals)
    r = stats.ks_2samp(a, b, method=method)
    used = method
    if method == 'auto':
        used = 'exact' if max(n1, n2) <= 10000 else 'asymp'
    ks_cases.append({'name': name, 'a': a, 'b': b, 'method': method, 'expectedMethod': used,
                     'statistic': f(r.statistic), 'pValue': f(r.pvalue)})

# kstwo.sf over the regimes of Simard & L'Ecuyer's method selection.
kstwo = []
for n in [3, 10, 50, 140, 141, 1000, 5000, 50000, 100001, 500000]:
    for nx2 in [0.2, 0.5, 0.9, 1.5, 3.0, 5.0, 12.0, 40.0]:
        x = math.sqrt(nx2 / n)
        if x >= 1:
            continue
        kstwo.append({'n': n, 'x': x, 'sf': f(stats.kstwo.sf(x, n))})
    for x in [0.6, 0.9]:
        kstwo.append({'n': n, 'x': x, 'sf': f(stats.kstwo.sf(x, n))})
kstwobign = [{'x': x, 'sf': f(stats.kstwobign.sf(x))} for x in [0.2, 0.5, 0.8, 0.99, 1.0, 1.36, 2.0, 4.0, 6.0]]
smirnov = [{'n': n, 'x': x, 'sf': f(scipy.special.smirnov(n, x))} for n in [1, 5, 30, 400, 20000] for x in [0.01, 0.1, 0.3, 0.7]]

# --- chi-square ----------------------------------------------------------------------------------
chi2_sf = []
for dof in [1, 2, 3, 7, 30, 200]:
    for x in [0.01, 0.5, 1.0, 3.84, 10.0, 50.0, 300.0, 1500.0]:
        chi2_sf.append({'x': x, 'dof': dof, 'sf': f(stats.chi2.sf(x, dof)), 'logSf': f(stats.chi2.logsf(x, dof))})

tables = [
    ('2x2', [[10, 20], [30, 25]]),
    ('2x3', [[10, 20, 30], [15, 15, 40]]),
    ('2x5-sparse', [[1, 0, 3, 7, 2], [0, 4, 5, 2, 9]]),
    ('2x4-large-shift', [[50000, 30000, 15000, 5000], [30000, 30000, 20000, 20000]]),
    ('2x3-identical', [[100, 200, 300], [100, 200, 300]]),
    ('3x3', [[12, 5, 9], [7, 14, 3], [8, 8, 20]]),
]
chi2_tables = []
for name, t in tables:
    r = stats.chi2_contingency(t, correction=False)
    entry = {'name': name, 'table': t, 'statistic': f(r.statistic), 'pValue': f(r.pvalue), 'dof': int(r.dof),
             'logSf': f(stats.chi2.logsf(r.statistic, r.dof))}
    if len(t) == 2:
        p = np.array(t[0], float)
        q = np.array(t[1], float)
        entry['tvd'] = f(0.5 * np.abs(p / p.sum() - q / q.sum()).sum())
        entry['jensenShannon'] = f(jensenshannon(p, q, base=2))
        entry['cramersV'] = f(stats.contingency.association(np.array(t), method='cramer'))
    chi2_tables.append(entry)
# A column that is zero in both rows: scipy raises, we drop it; expected = the table without it.
zero_col = [[5, 0, 7, 9], [6, 0, 2, 12]]
r = stats.chi2_contingency([[5, 7, 9], [6, 2, 12]], correction=False)
chi2_tables.append({'name': '2x4-zero-column', 'table': zero_col, 'statistic': f(r.statistic), 'pValue': f(r.pvalue),
                    'dof': int(r.dof), 'logSf': f(stats.chi2.logsf(r.statistic, r.dof))})

# Categorical strings, including a category unseen in the reference.
cats_ref = list(rng.choice(['a', 'b', 'c', 'd'], size=400, p=[0.4, 0.3, 0.2, 0.1]))
cats_cur = list(rng.choice(['a', 'b', 'c', 'd', 'e'], size=300, p=[0.3, 0.3, 0.2, 0.1, 0.1]))
cat_order = []
for v in cats_ref + cats_cur:
    if v not in cat_order:
        cat_order.append(v)
rc = np.array([cats_ref.count(c) for c in cat_order], float)
cc = np.array([cats_cur.count(c) for c in cat_order], float)
r = stats.chi2_contingency([rc, cc], correction=False)
categorical = {'reference': [str(v) for v in cats_ref], 'current': [str(v) for v in cats_cur], 'categories': cat_order,
               'referenceCounts': rc.tolist(), 'currentCounts': cc.tolist(), 'statistic': f(r.statistic),
               'pValue': f(r.pvalue), 'dof': int(r.dof), 'tvd': f(0.5 * np.abs(rc / rc.sum() - cc / cc.sum()).sum()),
               'jensenShannon': f(jensenshannon(rc, cc, base=2))}

# --- distances -----------------------------------------------------------------------------------


def ref_quantile_edges(ref, bins):
    e = np.quantile(np.asarray(ref), np.arange(1, bins) / bins)  # numpy 'linear' = type 7
    return np.unique(e)


def binned(ref, cur, bins):
    e = ref_quantile_edges(ref, bins)
    r = np.bincount(np.searchsorted(e, ref, side='left'), minlength=len(e) + 1) / len(ref)
    c = np.bincount(np.searchsorted(e, cur, side='left'), minlength=len(e) + 1) / len(cur)
    return r, c


def psi(ref, cur, bins):
    r, c = binned(ref, cur, bins)
    r = np.where(r == 0, 1e-4, r)
    c = np.where(c == 0, 1e-4, c)
    return float(np.sum((c - r) * np.log(c / r)))


def cohens_d(ref, cur):
    ref, cur = np.asarray(ref), np.asarray(cur)
    n1, n2 = len(ref), len(cur)
    pooled = math.sqrt(((n1 - 1) * ref.var(ddof=1) + (n2 - 1) * cur.var(ddof=1)) / (n1 + n2 - 2))
    return (cur.mean() - ref.mean()) / pooled


dist_cases = []
for name, kind, n1, n2, shift, scale in [
    ('small', 'normal', 7, 9, 0.5, 1.0),
    ('ties', 'int', 200, 150, 1.0, 1.0),
    ('medium', 'normal', 500, 500, 0.2, 1.0),
    ('skewed', 'lognormal', 2000, 1500, 0.3, 1.0),
    ('out-of-range', 'normal', 300, 300, 4.0, 1.0),
]:
    a = sample(kind, n1, 0.0)
    b = sample(kind, n2, shift)
    wd = stats.wasserstein_distance(a, b)
    entry = {'name': name, 'a': a, 'b': b, 'wasserstein': f(wd),
             'wassersteinNormalized': f(wd / max(np.std(a), 0.001)),
             'energy': f(stats.energy_distance(a, b)), 'cohensD': f(cohens_d(a, b))}
    for bins in [5, 10, 20]:
        r, c = binned(a, b, bins)
        entry[f'psi{bins}'] = f(psi(a, b, bins))
        entry[f'js{bins}'] = f(jensenshannon(r, c, base=2))
        entry[f'edges{bins}'] = [f(e) for e in ref_quantile_edges(a, bins)]
    dist_cases.append(entry)

# --- Cramér–von Mises ----------------------------------------------------------------------------
cvm_cases = []
for name, kind, n1, n2, shift, method in [
    ('exact-5x7', 'normal', 5, 7, 0.8, 'auto'),
    ('exact-ties', 'int', 10, 10, 1.0, 'auto'),
    ('exact-20x15', 'normal', 20, 15, 0.5, 'auto'),
    ('asymp-50x60', 'normal', 50, 60, 0.3, 'auto'),
    ('asymp-ties', 'int', 300, 200, 0.3, 'auto'),
    ('asymp-1000x800', 'lognormal', 1000, 800, 0.05, 'auto'),
    ('asymp-forced-small', 'normal', 8, 9, 0.4, 'asymptotic'),
    ('asymp-null', 'normal', 200, 200, 0.0, 'auto'),
]:
    a = sample(kind, n1, 0.0)
    b = sample(kind, n2, shift)
    r = stats.cramervonmises_2samp(a, b, method=method)
    cvm_cases.append({'name': name, 'a': a, 'b': b, 'method': method, 'statistic': f(r.statistic), 'pValue': f(r.pvalue)})

# --- quantiles -----------------------------------------------------------------------------------
ps = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1]
quantile_cases = []
for name, x in [('one', [3.5]), ('two', [1.0, 2.0]), ('ties', sample('int', 50, 0.0)), ('normal', sample('normal', 101, 0.0)),
                ('lognormal', sample('lognormal', 1000, 0.0))]:
    quantile_cases.append({'name': name, 'values': x, 'ps': ps, 'expected': [f(q) for q in np.quantile(np.asarray(x), ps)]})

# --- multiple testing ----------------------------------------------------------------------------


def fdr_bh(p):
    """statsmodels.stats.multitest.multipletests(method='fdr_bh') as published (not installed here)."""
    p = np.asarray(p, float)
    order = np.argsort(p)
    ps_ = p[order]
    n = len(p)
    raw = ps_ / (np.arange(1, n + 1) / n)
    corr = np.minimum.accumulate(raw[::-1])[::-1]
    corr[corr > 1] = 1
    out = np.empty(n)
    out[order] = corr
    return out


multiple_cases = []
for p in [[0.01, 0.04, 0.03, 0.2, 0.5], [0.001, 0.001, 0.9, 0.02], list(rng.uniform(0, 0.1, 12)), [0.6], [0.04, 0.5, 0.3, 0.99]]:
    p = [float(v) for v in p]
    multiple_cases.append({'p': p, 'bonferroni': [f(min(1.0, v * len(p))) for v in p], 'bh': [f(v) for v in fdr_bh(p)]})

out = {
    'generator': 'packages/stats/scripts/gen-univariate-fixtures.py',
    'scipy': scipy.__version__,
    'numpy': np.__version__,
    'ks': ks_cases, 'kstwo': kstwo, 'kstwobign': kstwobign, 'smirnov': smirnov,
    'chi2Sf': chi2_sf, 'chi2Tables': chi2_tables, 'categorical': categorical,
    'distances': dist_cases, 'cvm': cvm_cases, 'quantiles': quantile_cases, 'multiple': multiple_cases,
}
with open(OUT, 'w') as fh:
    json.dump(out, fh, separators=(',', ':'))
    fh.write('\n')
print(f'wrote {os.path.relpath(OUT)} ({os.path.getsize(OUT)} bytes)', file=sys.stderr)
