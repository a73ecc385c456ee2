"""Reference timings for bench/speed.bench.mjs: the same arrays as the Vigia rows, computed with
numpy / scipy, timing only the in-process computation (arrays already in memory).

Usage: python3 speed_reference.py DIR   (DIR holds the .bin files the benchmark wrote; prints JSON)

- mmd: alibi-detect's MMD permutation test (MMDDrift, numpy transcription of its PyTorch backend):
  Gaussian RBF on the concatenated sample, bandwidth by alibi's sigma_median (median of the
  cross distances), diagonal zeroed, each permutation re-indexes the kernel matrix
  (kernel_mat[idx][:, idx]) and recomputes MMD² as mmd2_from_kernel_matrix does.
- ks: scipy.stats.ks_2samp; chi2: np.unique counts + scipy.stats.chi2_contingency;
  wasserstein: scipy.stats.wasserstein_distance; cvm: scipy.stats.cramervonmises_2samp.
"""
import json
import sys
import time

import numpy as np
import scipy
import scipy.stats as st


CPU = {}


def best_of(fn, runs):
    """Median wall time (ms) of `runs` calls and the last result; the median CPU time (ms) of the
    calls is kept in CPU[fn.__name__ or the label] by the caller (see timed)."""
    times, cpus, out = [], [], None
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    times.sort()
    cpus.sort()
    CPU["last"] = cpus[len(cpus) // 2] * 1000
    return times[len(times) // 2] * 1000, out  # median, ms


def sq_dist(a, b):
    aa = (a * a).sum(1)[:, None]
    bb = (b * b).sum(1)[None, :]
    return np.maximum(aa + bb - 2.0 * a @ b.T, 0.0)


def mmd2_from_kernel_matrix(k, m, permute, rng):
    n = k.shape[0] - m
    if permute:
        idx = rng.permutation(k.shape[0])
        k = k[idx][:, idx]
    k_xx, k_yy, k_xy = k[:-m, :-m], k[-m:, -m:], k[-m:, :-m]
    c_xx, c_yy = 1 / (n * (n - 1)), 1 / (m * (m - 1))
    return c_xx * k_xx.sum() + c_yy * k_yy.sum() - 2.0 * k_xy.mean()


def alibi_mmd(x_ref, x, n_permutations, seed):
    rng = np.random.default_rng(seed)
    # sigma_median: median of the cross distances (alibi-detect, utils/pytorch/kernels.py)
    dist_xy = sq_dist(x_ref, x)
    n = min(x_ref.shape[0], x.shape[0])
    n = n if x_ref.shape == x.shape and (x_ref[:n] == x[:n]).all() else 0
    n_median = n + (np.prod(dist_xy.shape) - n) // 2 - 1
    sigma = (0.5 * np.sort(dist_xy.ravel())[n_median]) ** 0.5
    z = np.concatenate([x_ref, x])
    kernel_mat = np.exp(-sq_dist(z, z) / (2 * sigma**2))
    kernel_mat = kernel_mat - np.diag(np.diag(kernel_mat))
    m = x.shape[0]
    mmd2 = mmd2_from_kernel_matrix(kernel_mat, m, False, rng)
    perms = np.array([mmd2_from_kernel_matrix(kernel_mat, m, True, rng) for _ in range(n_permutations)])
    return float(mmd2), float((mmd2 <= perms).mean())


def main():
    d = sys.argv[1]
    meta = json.load(open(f"{d}/meta.json"))
    out = {"numpy": np.__version__, "scipy": scipy.__version__}
    if "mmd" in meta:
        m = meta["mmd"]
        x_ref = np.fromfile(f"{d}/mmd-ref.f64").reshape(m["n"], m["d"])
        x_cur = np.fromfile(f"{d}/mmd-cur.f64").reshape(m["n"], m["d"])
        ms, (stat, p) = best_of(lambda: alibi_mmd(x_ref, x_cur, m["permutations"], 0), m.get("runs", 1))
        out["mmd"] = {"ms": ms, "cpuMs": CPU["last"], "statistic": stat, "pValue": p}
    if "uni" in meta:
        u = meta["uni"]
        runs = u.get("runs", 3)
        a = np.fromfile(f"{d}/uni-ref.f64")
        b = np.fromfile(f"{d}/uni-cur.f64")
        ms, r = best_of(lambda: st.ks_2samp(a, b), runs)
        out["ks"] = {"ms": ms, "cpuMs": CPU["last"], "statistic": float(r.statistic), "pValue": float(r.pvalue)}
        ms, r = best_of(lambda: st.wasserstein_distance(a, b), runs)
        out["wasserstein"] = {"ms": ms, "cpuMs": CPU["last"], "statistic": float(r)}
        ms, r = best_of(lambda: st.cramervonmises_2samp(a, b), runs)
        out["cvm"] = {"ms": ms, "cpuMs": CPU["last"], "statistic": float(r.statistic), "pValue": float(r.pvalue)}
        ca = np.array(open(f"{d}/uni-ref.cat").read().split("\n"))
        cb = np.array(open(f"{d}/uni-cur.cat").read().split("\n"))

        def chi2():
            ka, na = np.unique(ca, return_counts=True)
            kb, nb = np.unique(cb, return_counts=True)
            cats = np.union1d(ka, kb)
            table = np.zeros((2, cats.size))
            table[0, np.searchsorted(cats, ka)] = na
            table[1, np.searchsorted(cats, kb)] = nb
            return st.chi2_contingency(table, correction=False)

        ms, r = best_of(chi2, runs)
        out["chi2"] = {"ms": ms, "cpuMs": CPU["last"], "statistic": float(r.statistic), "pValue": float(r.pvalue)}
    print(json.dumps(out))


main()
