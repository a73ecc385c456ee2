#!/usr/bin/env python3
"""Reference values for src/paired (Wilcoxon signed-rank and McNemar) from scipy.

Run: python3 packages/stats/scripts/gen-paired-fixtures.py > packages/stats/src/paired/__fixtures__/paired.json
Wilcoxon: scipy.stats.wilcoxon(d, zero_method=..., correction=False, method='auto').
McNemar: statsmodels' definition, computed with scipy (binomtest for the exact test, chi2.sf for
the continuity-corrected chi-square), since statsmodels is not installed here.
"""
import json
import numpy as np
import scipy
from scipy import stats

rng = np.random.default_rng(7)
cases = []
def add(name, d, zero_method='wilcox'):
    r = stats.wilcoxon(d, zero_method=zero_method, correction=False, method='auto')
    cases.append({'name': name, 'd': [float(x) for x in d], 'zeroMethod': zero_method,
                  'statistic': float(r.statistic), 'pValue': float(r.pvalue)})

add('exact n=10', np.round(rng.normal(0.5, 1, 10), 6))
add('exact n=30', np.round(rng.normal(0.3, 1, 30), 6))
add('exact n=50', np.round(rng.normal(0.1, 1, 50), 6))
add('ties small n=12', [1, -1, 2, 2, 3, -3, 1, 4, 2, -2, 5, 1])
add('zeros small n=10 wilcox', [0, 0, 1.5, -0.5, 2, 3, -1, 0.7, 1.1, 2.2])
add('asymptotic n=80', np.round(rng.normal(0.2, 1, 80), 6))
add('asymptotic ties n=60', rng.integers(-3, 5, 60).astype(float))
add('asymptotic ties+zeros n=70 wilcox', rng.integers(-2, 4, 70).astype(float))
add('asymptotic ties+zeros n=70 pratt', rng.integers(-2, 4, 70).astype(float), 'pratt')
add('sentiment-like n=40 with zeros', np.round(np.where(rng.random(40) < 0.3, 0, rng.normal(0.1, 0.3, 40)), 3))

mcnemar = []
for b, c in [(3, 9), (0, 6), (10, 12), (7, 1), (20, 40), (55, 31), (13, 12)]:
    n = b + c
    if n <= 25:
        p = stats.binomtest(min(b, c), n, 0.5).pvalue
        method = 'exact'
    else:
        chi = (abs(b - c) - 1) ** 2 / n
        p = stats.chi2.sf(chi, 1)
        method = 'chi-square'
    mcnemar.append({'b': b, 'c': c, 'pValue': float(p), 'method': method})

print(json.dumps({'scipy': scipy.__version__, 'wilcoxon': cases, 'mcnemar': mcnemar}, indent=1))
