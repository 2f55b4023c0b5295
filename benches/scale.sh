#!/usr/bin/env bash
# Portfolio-scale benchmarks, printed side by side in one run (see docs/performance.md):
#   W1      one exposure, 10M years: breachcost vs numpy (benches/numpy_w1.py), wall-clock ratio
#   P2      10,000 exposures (benches/p2_inputs.py), 100,000 years, defaults + 2 systemic events
#           and the same without the incident types beside the data breach, three pairs run one
#           after the other (best and median of each side): wall time and peak RSS (the kernel's
#           maximum resident set, as /usr/bin/time -v reports); then in 4 and 16 shards and merged
#           (shard bytes, merge time against the single run's)
#   scaling P2's inputs against years, against exposures, and 1 vs 2 threads
# Usage: benches/scale.sh [--quick]   (--quick: smaller P2 and scaling runs, for a smoke test)
# Needs: a release build (cargo build --release), python3 (it also times the runs, to the
# millisecond); numpy for W1's reference
# (pip install numpy; W1's numpy side is skipped with a note if it is missing).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
bin="$target/release/breachcost"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
quick="${1:-}"
p2_years=100000
p2_rounds=3
scale_years=(10000 20000 40000)
scale_exposures=(2500 5000 10000)
scale_base_years=20000
if [[ "$quick" == "--quick" ]]; then
  p2_years=5000
  p2_rounds=1
  scale_years=(1000 2000 4000)
  scale_base_years=2000
fi

(cd "$root" && cargo build --release --quiet)

# Wall seconds (to the millisecond) and peak RSS (MiB: the kernel's maximum resident set
# size of the command, the figure /usr/bin/time -v reports) of a command, as "seconds mib".
measure() {
  python3 - "$work/stderr" "$@" <<'PY'
import resource, subprocess, sys, time
errors, command = sys.argv[1], sys.argv[2:]
with open(errors, "w") as stderr:
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=stderr)
    seconds = time.perf_counter() - start
if done.returncode != 0:
    sys.stderr.write(open(errors).read())
    sys.exit(1)
print(f"{seconds:.4f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f}")
PY
}

# A run's exposure-years with a loss (out: its folder): each exposure's gross prob_nonzero ×
# years, summed over the exposures.
loss_years() {
  awk -F, -v years="$p2_years" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "prob_nonzero") c = i }
    $2 == "gross" && $1 !~ /^PORTFOLIO/ { s += $c * years } END { printf "%.0f", s }' "$1/summary.csv"
}

# A run's incidents (out: its folder), from its run.json.
incidents() {
  grep -o '"simulated_breaches": [0-9]*' "$1/run.json" | grep -o '[0-9]*$'
}

# The smallest and the median of numbers, one per line, as "best median".
best_and_median() {
  sort -g | awk '{ v[NR] = $1 } END { printf "%s %s\n", v[1], (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

echo "== W1: one exposure, Poisson 0.3, lognormal [1e5, 1e7] 90%, 10,000,000 years"
printf 'id,records,annual_rate\nw1,1000,0.3\n' >"$work/w1.csv"
printf '[breach]\naffected_share = 1\n[[component]]\nname = "fixed"\nfixed = { dist = "lognormal", low = 1e5, high = 1e7 }\n' >"$work/w1.toml"
w1=("$bin" simulate --exposures "$work/w1.csv" --assumptions "$work/w1.toml" --iterations 10000000 --no-charts \
  --quiet --out "$work/w1-out")
rounds=7
if python3 -c "import numpy" 2>/dev/null; then
  # Side by side: seven rounds of one run each, so that load on the machine falls on both.
  for _ in $(seq "$rounds"); do
    read -r s mb < <(measure "${w1[@]}")
    echo "$s" >>"$work/w1-times"
    echo "$mb" >"$work/w1-mb"
    read -r s mb < <(measure python3 "$root/benches/numpy_w1.py")
    echo "$s" >>"$work/np-times"
    echo "$mb" >"$work/np-mb"
  done
  read -r w1_best w1_median < <(best_and_median <"$work/w1-times")
  read -r np_best np_median < <(best_and_median <"$work/np-times")
  w1_mean=$(awk -F, '$1 == "w1" && $2 == "gross" { print $3 }' "$work/w1-out/summary.csv")
  echo "breachcost: best ${w1_best} s, median ${w1_median} s of ${rounds}, $(cat "$work/w1-mb") MiB peak, mean ${w1_mean}"
  python3 "$root/benches/numpy_w1.py" >"$work/numpy.txt"
  sed -n 1p "$work/numpy.txt" | sed 's/^/numpy:      /'
  echo "numpy:      best ${np_best} s, median ${np_median} s of ${rounds}, $(cat "$work/np-mb") MiB peak"
  awk -v a="$w1_best" -v b="$np_best" -v c="$w1_median" -v d="$np_median" 'BEGIN {
    printf "W1 ratio: breachcost is %.1fx faster than numpy best to best, %.1fx median to median (whole process to whole process)\n", b / a, d / c }'
else
  read -r w1_s w1_mb < <(measure "${w1[@]}")
  echo "breachcost: ${w1_s} s, ${w1_mb} MiB peak"
  echo "numpy not installed (pip install numpy): W1 ratio not measured"
fi

echo
echo "== P2: 10,000 exposures, ${p2_years} years, default assumptions + 2 systemic events"
python3 "$root/benches/p2_inputs.py" "$work" 10000 >/dev/null
p2=(--exposures "$work/p2-exposures.csv" --assumptions "$work/p2-assumptions.toml" --no-charts --quiet)
p2b=(--exposures "$work/p2-exposures.csv" --assumptions "$work/p2-assumptions-breach-only.toml" --no-charts --quiet)
# All incident types on, and the same without the types beside the data breach (target: within
# 1.5x), run in pairs one after the other, so that load on the machine falls on both sides.
for round in $(seq "$p2_rounds"); do
  read -r s mb < <(measure "$bin" simulate "${p2[@]}" --iterations "$p2_years" --out "$work/p2-out")
  echo "$s $mb" >>"$work/p2-all"
  read -r sb mbb < <(measure "$bin" simulate "${p2b[@]}" --iterations "$p2_years" --out "$work/p2b-out")
  echo "$sb $mbb" >>"$work/p2-breach"
  echo "P2 pair ${round}: all types ${s} s, ${mb} MiB; data breaches only ${sb} s, ${mbb} MiB: $(python3 -c "print(f'{${s} / ${sb}:.2f}')")x"
done
read -r p2_s p2_median < <(cut -d' ' -f1 "$work/p2-all" | best_and_median)
read -r p2b_s p2b_median < <(cut -d' ' -f1 "$work/p2-breach" | best_and_median)
p2_mb=$(cut -d' ' -f2 "$work/p2-all" | sort -g | tail -1)
echo "P2: ${p2_s} s wall best, ${p2_median} s median, ${p2_mb} MiB peak RSS (targets: 30 s, 2048 MiB)"
echo "P2 data breaches only: ${p2b_s} s best, ${p2b_median} s median; all incident types on: $(python3 -c "print(f'{${p2_s} / ${p2b_s}:.2f}x best to best, {${p2_median} / ${p2b_median}:.2f}x median to median')") (target 1.5x)"
# The work each side does: its incidents and its exposure-years with a loss (each stored, put
# through the policy terms, the exposure's statistics and the portfolio's sums), and the best
# time per such year.
ia=$(incidents "$work/p2-out")
ib=$(incidents "$work/p2b-out")
ya=$(loss_years "$work/p2-out")
yb=$(loss_years "$work/p2b-out")
python3 -c "print(f'P2 work: all types {$ia:,} incidents in {$ya:,} exposure-years with a loss, data breaches only \
{$ib:,} in {$yb:,} ({$ia / $ib:.2f}x the incidents, {$ya / $yb:.2f}x the years); best {1e6 * $p2_s / $ya:.2f} against \
{1e6 * $p2b_s / $yb:.2f} us a year')"

echo
echo "== P2 in shards: ${p2_years} years in 4 and 16 shards, one after the other, then merge"
# The years with a loss of the single run (all types): what shards that wrote every stored
# year held.
stored=$ya
for n in 4 16; do
  rm -rf "$work"/shard-*
  slowest=0
  for k in $(seq "$n"); do
    read -r s _ < <(measure "$bin" simulate "${p2[@]}" --iterations "$p2_years" --shard "$k/$n" --out "$work/shard-$k")
    slowest=$(python3 -c "print(max(${slowest}, ${s}))")
  done
  bytes=$(cat "$work"/shard-*/results.json "$work"/shard-*/sums.bin | wc -c)
  shards=()
  for k in $(seq "$n"); do shards+=("$work/shard-$k"); done
  read -r merge_s merge_mb < <(measure "$bin" merge --no-charts --quiet --out "$work/merged-$n" "${shards[@]}")
  same=identical
  for f in "$work"/p2-out/*.csv; do cmp -s "$f" "$work/merged-$n/$(basename "$f")" || same=DIFFERENT; done
  python3 -c "print(f'{$n} shards: slowest {${slowest}:.1f} s; {${bytes} / 1e6:.0f} MB, {${bytes} / max(${stored}, 1):.1f} bytes per exposure-year with an incident; merge {${merge_s}:.2f} s, {${merge_mb}} MiB, {100 * ${merge_s} / ${p2_s}:.1f}% of the single run (target 25%); CSVs $same')"
done

echo
echo "== Scaling (P2 inputs; wall seconds, peak MiB)"
echo "years (10,000 exposures):"
for years in "${scale_years[@]}"; do
  read -r s mb < <(measure "$bin" simulate "${p2[@]}" --iterations "$years" --out "$work/scale")
  echo "  ${years} years: ${s} s, ${mb} MiB"
done
echo "exposures (${scale_base_years} years):"
for n in "${scale_exposures[@]}"; do
  head -n $((n + 1)) "$work/p2-exposures.csv" >"$work/subset.csv"
  read -r s mb < <(measure "$bin" simulate --exposures "$work/subset.csv" --assumptions "$work/p2-assumptions.toml" \
    --no-charts --quiet --iterations "$scale_base_years" --out "$work/scale")
  echo "  ${n} exposures: ${s} s, ${mb} MiB"
done
echo "threads (10,000 exposures, ${scale_base_years} years; best of 3 interleaved rounds):"
for _ in 1 2 3; do
  for threads in 1 2; do
    read -r s _ < <(measure "$bin" simulate "${p2[@]}" --iterations "$scale_base_years" --threads "$threads" --out "$work/scale")
    echo "$s" >>"$work/threads-$threads"
  done
done
read -r one _ < <(best_and_median <"$work/threads-1")
read -r two _ < <(best_and_median <"$work/threads-2")
awk -v a="$one" -v b="$two" 'BEGIN { printf "  1 thread %.2f s, 2 threads %.2f s: speed-up %.2fx\n", a, b, a / b }'
