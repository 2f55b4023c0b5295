#!/usr/bin/env bash
# Submits a sharded breachcost study to Slurm: the shards array, then the merge, which waits
# for every shard to succeed (--dependency=afterok). Override any variable on the command line:
#   STUDY_DIR=/shared/studies/q3 ITERATIONS=10000000 SHARDS=50 deploy/slurm/submit.sh
# Extra arguments are passed to both sbatch calls (e.g. --partition=batch --account=risk).
set -euo pipefail

STUDY_DIR="${STUDY_DIR:-$PWD/breachcost-study}"  # must be on a filesystem every node sees
ITERATIONS="${ITERATIONS:-1000000}"
SHARDS="${SHARDS:-20}"
SEED="${SEED:-20240601}"
MODE="${MODE:-annual}"
EXPOSURES="${EXPOSURES:-$STUDY_DIR/inputs/exposures.csv}"
ASSUMPTIONS="${ASSUMPTIONS:-$STUDY_DIR/inputs/assumptions.toml}"
BREACHCOST="${BREACHCOST:-breachcost}"
REPORT_DIR="${REPORT_DIR:-$STUDY_DIR/report}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

for f in "$EXPOSURES" "$ASSUMPTIONS"; do
  [[ -f "$f" ]] || { echo "error: input $f not found (copy it to shared storage first)" >&2; exit 2; }
done
if [[ -d "$STUDY_DIR/shards" ]] && [[ -n "$(ls -A "$STUDY_DIR/shards")" ]]; then
  echo "error: $STUDY_DIR/shards is not empty: use a new STUDY_DIR or empty it" >&2
  exit 2
fi
# Catch bad inputs here, not in every array task.
"$BREACHCOST" validate --exposures "$EXPOSURES" --assumptions "$ASSUMPTIONS" >/dev/null

mkdir -p "$STUDY_DIR/shards" "$STUDY_DIR/logs"
export STUDY_DIR ITERATIONS SHARDS SEED MODE EXPOSURES ASSUMPTIONS BREACHCOST REPORT_DIR
# The study's settings, read back by shards.sbatch and merge.sbatch (so a re-run shard or a
# merge submitted by hand uses the same ones).
for name in ITERATIONS SHARDS SEED MODE EXPOSURES ASSUMPTIONS BREACHCOST REPORT_DIR; do
  printf '%s=%q\n' "$name" "${!name}"
done >"$STUDY_DIR/study.env"

array_id="$(sbatch --parsable --export=ALL --array="1-$SHARDS" \
  --output="$STUDY_DIR/logs/shard-%A_%a.out" "$@" "$here/shards.sbatch")"
array_id="${array_id%%;*}"  # --parsable prints "jobid" or "jobid;cluster"
merge_id="$(sbatch --parsable --export=ALL --dependency="afterok:$array_id" --kill-on-invalid-dep=yes \
  --output="$STUDY_DIR/logs/merge-%j.out" "$@" "$here/merge.sbatch")"
merge_id="${merge_id%%;*}"

echo "shards: job $array_id (array 1-$SHARDS); merge: job $merge_id (after all shards succeed)"
echo "report: $REPORT_DIR    logs: $STUDY_DIR/logs    watch: squeue -j $array_id,$merge_id"
