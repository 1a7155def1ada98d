#!/usr/bin/env bash
# A real Slurm run of a sharded bench: starts a throw-away single-node cluster on this machine
# (munged, slurmctld and slurmd from Debian's munge/slurmctld/slurmd packages, every file in a
# temporary folder, ports chosen from the process id), submits `bench restore` as a 4-task job
# array with packaging/slurm/submit.sh, and checks that the merged result equals the unsharded
# run of the same bench (jq; the fields that measure time aside). Prints one JSON line with the
# times. Exit 77 (CTest: skipped) without the Slurm/munge programs or without root (slurmd and
# munged are started as root, as the installer's machines run CI).
#
# Usage: tests/slurm/cluster-test.sh path/to/reverie-cli
set -euo pipefail
cli=$(readlink -f "${1:?usage: cluster-test.sh path/to/reverie-cli}")
repo=$(cd "$(dirname "$0")/../.." && pwd)
for p in munged slurmctld slurmd sbatch squeue jq; do
  command -v "$p" > /dev/null || { echo "cluster-test: '$p' is not installed (packaging/install-deps.sh)"; exit 77; }
done
[[ $(id -u) -eq 0 ]] || { echo "cluster-test: needs root to start slurmd and munged"; exit 77; }

tmp=$(mktemp -d /tmp/reverie-slurm.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
  for f in "$tmp/slurmd.pid" "$tmp/slurmctld.pid" "$tmp/munge/munged.pid"; do
    [[ -f "$f" ]] && kill "$(cat "$f")" 2> /dev/null || true
  done
  sleep 1
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "cluster-test: $*" >&2
  for f in "$tmp"/*.log "$tmp"/out/*.log "$tmp"/out/merged.txt; do
    [[ -f "$f" ]] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
  done
  exit 1
}

host=$(hostname -s)
port=$((20000 + ($$ % 10000) * 2))
mkdir -p "$tmp/munge" "$tmp/key" "$tmp/state" "$tmp/spool" "$tmp/out"
head -c 1024 /dev/urandom > "$tmp/key/munge.key"
chmod 755 "$tmp/munge"
chmod 700 "$tmp/key"
chmod 600 "$tmp/key/munge.key"
munged --key-file="$tmp/key/munge.key" --socket="$tmp/munge/munge.socket" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munged.log" --seed-file="$tmp/munge/seed" ||
  fail "munged did not start"
user=$(id -un)
cat > "$tmp/slurm.conf" << CONF
ClusterName=reverie-test
SlurmctldHost=$host
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.socket
CredType=cred/munge
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=60 State=UP
CONF
export SLURM_CONF="$tmp/slurm.conf"
slurmctld -i || fail "slurmctld did not start"
slurmd || fail "slurmd did not start"
for _ in $(seq 60); do
  sinfo -h -o %t 2> /dev/null | grep -q idle && break
  sleep 1
done
sinfo -h -o %t | grep -q idle || fail "the node did not come up"

# Three Fashion-MNIST tasks and a photo sweep over two conditions: five units over four shards.
args=(bench restore --quick --samples 8 --tasks noise,down4,jpeg --samplers posterior,mrs-sde-2-data --nfe 10
      --photo-sigmas 15,50 --photo-crop 48 --threads 1)
t0=$(date +%s.%N)
"$cli" "${args[@]}" --json > "$tmp/whole.json" 2> "$tmp/whole.log" || fail "the unsharded run failed"
t1=$(date +%s.%N)
REVERIE_CLI="$cli" SBATCH_OPTIONS="--time=30" "$repo/packaging/slurm/submit.sh" --wait 4 "$tmp/out" -- "${args[@]}" \
  > "$tmp/submit.log" 2>&1 || fail "the job array or its merge failed"
t2=$(date +%s.%N)
drop='walk(if type == "object" then del(.seconds, .seconds_per_image, .seconds_per_megapixel, .shards, .rtf) else . end)'
jq -S "$drop" "$tmp/whole.json" > "$tmp/a.json" || fail "unreadable unsharded JSON"
jq -S "$drop" "$tmp/out/merged.json" > "$tmp/b.json" || fail "unreadable merged JSON"
if ! cmp -s "$tmp/a.json" "$tmp/b.json"; then
  diff "$tmp/a.json" "$tmp/b.json" | head -n 20 >&2
  fail "the merged result differs from the unsharded run"
fi
units=$(jq '(.tasks | length) + (.sigma_sweep.rows | length)' "$tmp/out/merged.json")
[[ "$units" -eq 5 ]] || fail "expected 5 units in the merged result, found $units"
shard_seconds=$(grep -ho 'exit 0, [0-9.]* s' "$tmp"/out/part-*-of-4.log | awk '{ s = s (s ? "," : "") $3 } END { print s }')
[[ $(grep -c 'exit 0' "$tmp"/out/part-*-of-4.log | awk -F: '{ n += $2 } END { print n }') -eq 4 ]] ||
  fail "not every shard ended with exit 0"
echo "{\"test\":\"slurm-shards\",\"shards\":4,\"cpus\":$(nproc),\"units\":$units,\"equal\":true," \
     "\"unsharded_seconds\":$(awk "BEGIN { print $t1 - $t0 }"),\"array_and_merge_seconds\":$(awk "BEGIN { print $t2 - $t1 }")," \
     "\"shard_seconds\":[$shard_seconds]}" | tr -d ' '
