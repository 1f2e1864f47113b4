"""Python reference for bench/estimate.sh: the same computations as the Rust benches.

1. The full two-way log-linear search on a five-list table: all 1,024 hierarchical models
   (main effects + any subset of the 10 pairwise interactions), each fitted with
   statsmodels' Poisson GLM, with N-hat, AIC and BIC (Rcapture conventions).
2. LCMCR Gibbs sweeps (Manrique-Vallier 2016, K = 10) written with numpy, timed on a
   shorter run and scaled to 100,000 sweeps.

Prints one line per measurement: `name median_seconds` (plus checks on stderr).
"""
import itertools
import math
import statistics
import sys
import time

import numpy as np
import statsmodels.api as sm


def read_table(path):
    rows = [l.strip() for l in open(path) if l.strip() and not l.startswith("#")]
    header = rows[0].split(",")
    k = len(header) - 1
    data = {}
    for r in rows[1:]:
        f = [int(x) for x in r.split(",")]
        data[tuple(f[:k])] = f[k]
    return k, data


def search(k, data):
    cells = [h for h in itertools.product([0, 1], repeat=k) if any(h)]
    y = np.array([data.get(h, 0) for h in cells], dtype=float)
    n = y.sum()
    x_main = np.array([[1.0] + list(h) for h in cells])
    pairs = list(itertools.combinations(range(k), 2))
    results = []
    for m in range(1 << len(pairs)):
        chosen = [p for i, p in enumerate(pairs) if m >> i & 1]
        # SparseMSE/Rcapture treatment of empty overlaps: drop the cells, count the term.
        empty = [p for p in chosen if sum(data.get(h, 0) for h in cells if h[p[0]] and h[p[1]]) == 0]
        keep = [i for i, h in enumerate(cells) if not any(h[a] and h[b] for a, b in empty)]
        active = [p for p in chosen if p not in empty]
        cols = [x_main[keep]] + [np.array([[cells[i][a] * cells[i][b]] for i in keep]) for a, b in active]
        x = np.hstack(cols)
        fit = sm.GLM(y[keep], x, family=sm.families.Poisson()).fit()
        p = x.shape[1] + len(empty)
        aic = -2 * fit.llf + 2 * p
        results.append((n + math.exp(fit.params[0]), aic, aic + (math.log(n) - 2) * p))
    return results


def lcmcr_sweeps(k, data, sweeps, rng, K=10, a=0.25, b=0.25):
    pats = np.array([h for h in data if any(h) and data[h] > 0])
    cnt = np.array([data[tuple(h)] for h in pats])
    n = cnt.sum()
    lam = np.tile(pats.T @ cnt / n, (K, 1)).T  # J x K
    v = rng.beta(1, 1, K)
    v[-1] = 1
    pi = v * np.concatenate([[1], np.cumprod(1 - v[:-1])])
    alpha, n0k = 0.3 / K, np.zeros(K)
    for _ in range(sweeps):
        logp = np.log(pi) + pats @ np.log(lam) + (1 - pats) @ np.log(1 - lam)
        p = np.exp(logp - logp.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        z = np.array([rng.multinomial(c, pr) for c, pr in zip(cnt, p)])  # cells x K
        ones = pats.T @ z  # J x K
        tot = z.sum(axis=0) + n0k
        lam = rng.beta(1 + ones, 1 + tot - ones)
        tail = np.concatenate([np.cumsum(tot[::-1])[::-1][1:], [0]])
        v = rng.beta(1 + tot, alpha + tail)
        v[-1] = 1
        pi = np.maximum(v * np.concatenate([[1], np.cumprod(1 - v[:-1])]), 1e-300)
        w = pi * np.prod(1 - lam, axis=0)
        pi0 = min(w.sum(), 1 - 1e-12)
        n0 = rng.negative_binomial(n, 1 - pi0)
        n0k = rng.multinomial(n0, w / w.sum())
        alpha = rng.gamma(a + K - 1, 1 / (b - np.log(pi[-1])))
    return n + n0


def main():
    path = sys.argv[1]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    k, data = read_table(path)
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        res = search(k, data)
        times.append(time.perf_counter() - t)
    best_aic = min(res, key=lambda r: r[1])
    best_bic = min(res, key=lambda r: r[2])
    print(f"check: {len(res)} models, AIC-best N={best_aic[0]:.1f}, BIC-best N={best_bic[0]:.1f}", file=sys.stderr)
    print(f"loglinear_search {statistics.median(times):.6f}")
    rng = np.random.default_rng(1)
    sweeps = 2000
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        lcmcr_sweeps(k, data, sweeps, rng)
        times.append((time.perf_counter() - t) * 100_000 / sweeps)
    print(f"lcmcr_100k_sweeps {statistics.median(times):.6f}")


if __name__ == "__main__":
    main()
