"""W1 in numpy, for a side-by-side timing with breachcost.

One exposure, Poisson rate 0.3 breaches a year, one cost `fixed` lognormal with the 90%
interval [1e5, 1e7], 10,000,000 years: counts, then severities, then per-year sums, then
the mean and percentiles p50..p99.9. Run: `python3 benches/numpy_w1.py` (numpy required).
"""
import time

start = time.perf_counter()
import numpy as np  # noqa: E402  (import time is part of the whole-process cost)

YEARS = 10_000_000
RATE = 0.3
LOW, HIGH = 1e5, 1e7
Z95 = 1.6448536269514722
mu = (np.log(LOW) + np.log(HIGH)) / 2
sigma = (np.log(HIGH) - np.log(LOW)) / (2 * Z95)

rng = np.random.default_rng(20231031)
counts = rng.poisson(RATE, YEARS)
severities = rng.lognormal(mu, sigma, counts.sum())
years = np.repeat(np.arange(YEARS), counts)
annual = np.bincount(years, weights=severities, minlength=YEARS)
levels = [50, 75, 90, 95, 99, 99.5, 99.9]
quantiles = np.percentile(annual, levels)
print("mean", annual.mean())
for level, q in zip(levels, quantiles):
    print(f"p{level}", q)
print(f"numpy W1 wall seconds {time.perf_counter() - start:.3f}")
