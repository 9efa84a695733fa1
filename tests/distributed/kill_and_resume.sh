#!/bin/sh
# Kills a two-rank data-parallel fit after its fourth epoch (one rank dies; mpirun stops the
# other), starts it again, and compares its final weights with those of a run never killed: they
# must be the same bytes. Then a fit whose callback throws on one rank alone (and the program
# catches it) must end the whole job at once, not leave the other rank waiting.
# Usage: kill_and_resume.sh <mpirun> <resume_worker> <scratch folder>
set -u
mpirun=$1 worker=$2 scratch=$3
run() { "$mpirun" --allow-run-as-root --oversubscribe -np 2 "$worker" "$@"; }
rm -rf "$scratch" && mkdir -p "$scratch" || exit 1

if run "$scratch/backup" "$scratch/resumed" --kill-after-epoch 3 >"$scratch/killed.out" 2>&1; then
  echo "the killed run ended normally"; exit 1
fi
[ -f "$scratch/backup/latest.minidl-backup" ] || { echo "no backup after the kill"; exit 1; }
run "$scratch/backup" "$scratch/resumed" || exit 1
# rank 0 logs the first epoch of each run: 0 for the killed one, then where the resumed one went on.
resumed_from=$(sed -n 2p "$scratch/resumed.log")
case $resumed_from in
  "start 3" | "start 4") ;;
  *) echo "the second run did not resume (log: $(tr '\n' ' ' <"$scratch/resumed.log"))"; exit 1 ;;
esac
run "$scratch/backup-uninterrupted" "$scratch/uninterrupted" || exit 1
cmp "$scratch/resumed" "$scratch/uninterrupted" || { echo "the resumed run's weights differ"; exit 1; }
timeout 120 "$mpirun" --allow-run-as-root --oversubscribe -np 2 "$worker" "$scratch/backup-failing" "$scratch/failing" \
  --fail-after-epoch 1 >"$scratch/failing.out" 2>&1
status=$?
[ "$status" -ne 124 ] || { echo "a failure on one rank left the job hanging"; exit 1; }
[ "$status" -ne 0 ] || { echo "a failure on one rank ended the job normally"; exit 1; }
grep -q "fit failed on rank 1 of 2: a callback failed on rank 1 alone" "$scratch/failing.out" &&
  grep -q "ending every rank of the job" "$scratch/failing.out" ||
  { echo "the failing job did not say why it ended:"; cat "$scratch/failing.out"; exit 1; }
echo "a failure on one rank ended the job at once, naming the rank and the error"
echo "resumed after a kill ($resumed_from): the same weights, bit for bit, as the run never killed"
