#!/bin/bash
# Runs one Reverie job as N shards on a Slurm cluster and merges them: a job array of N tasks
# (shard.sbatch), then a merge job that starts when every task has ended, writing
# OUTDIR/merged.json (the JSON of one whole run) and OUTDIR/merged.txt (its table or summary).
# Extra sbatch options (partition, time limit, CPUs per task) go in SBATCH_OPTIONS; --wait
# returns when the merge is done, with the merge's exit status.
#
# Usage: packaging/slurm/submit.sh [--wait] N OUTDIR -- reverie-cli-arguments...
# Example: packaging/slurm/submit.sh 8 runs/sweep -- bench restore --no-photos --samples 1000
#          packaging/slurm/submit.sh 64 runs/photos -- restore /data/photos -o /data/restored
# The cost model (how the time scales with N): docs/scaling.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
wait=()
if [[ "${1:-}" == "--wait" ]]; then wait=(--wait); shift; fi
n=${1:?usage: submit.sh [--wait] N OUTDIR -- ARGS...}
out=${2:?usage: submit.sh [--wait] N OUTDIR -- ARGS...}
[[ "${3:-}" == "--" ]] || { echo "submit.sh: expected -- before the reverie-cli arguments" >&2; exit 2; }
shift 3
[[ "$n" =~ ^[0-9]+$ && "$n" -ge 1 ]] || { echo "submit.sh: N must be a positive number" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
cli=${REVERIE_CLI:-$(command -v reverie-cli || true)}
[[ -n "$cli" ]] || { echo "submit.sh: reverie-cli is not on PATH (set REVERIE_CLI)" >&2; exit 2; }
# shellcheck disable=SC2086 # SBATCH_OPTIONS holds several options
array=$(sbatch --parsable ${SBATCH_OPTIONS:-} --array="0-$((n - 1))" --export=ALL,REVERIE_CLI="$cli" \
  "$here/shard.sbatch" "$out" "$@")
echo "submit.sh: job array $array ($n shards) -> $out" >&2
parts=()
for ((k = 1; k <= n; ++k)); do parts+=("$out/part-$k-of-$n.json"); done
# afterany: a shard that skipped a bad input (exit 1) still contributes its part; merge refuses
# a missing or broken one.
quoted=$(printf '%q ' "$cli" merge "${parts[@]}" --json)
# shellcheck disable=SC2086
sbatch --parsable ${SBATCH_OPTIONS:-} "${wait[@]}" --job-name=reverie-merge --dependency="afterany:$array" \
  --output="$out/merged.txt" --wrap "$quoted > $out/merged.json"
