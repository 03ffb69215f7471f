#!/usr/bin/env bash
# Fuzzes the node's parsers with libFuzzer under AddressSanitizer and UBSan (clang), each target
# for a while, two at a time (one per core). Seeds come from tools/fuzz/corpus/<target> and the
# valid encodings fuzz_seeds writes; what a run learns stays in build-fuzz/work/<target>, and
# crashes are saved as build-fuzz/work/crash-<target>-*. Not part of CI: the Catch2 suite replays
# the committed corpus instead (tests/tools/fuzz).
# usage: tools/fuzz/run.sh [seconds_per_target=120] [target...]
#        tools/fuzz/run.sh --minimize [keep=40]  # folds build-fuzz/work into tools/fuzz/corpus
set -euo pipefail
cd "$(dirname "$0")/../.."
src=$PWD
out=$src/build-fuzz
command -v clang++ >/dev/null || { echo "run.sh needs clang++ (apt-get install clang)" >&2; exit 2; }
cmake -S "$src" -B "$out" -DMANTLE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$out" -j"$(nproc)" >/dev/null
all=$(ls "$out" | sed -n 's/^fuzz_\([a-z_]*\)$/\1/p' | grep -v '^seeds$')

if [ "${1:-}" = "--minimize" ]; then
  # libFuzzer's merge keeps every input that adds coverage (thousands); the repository keeps at
  # most $keep of them per target, spread over the sizes, plus every input that once crashed
  # (regress-*). The suite mutates them further, so a sample of the merged set is enough.
  keep=${2:-40}
  for t in $all; do
    dir=$src/tools/fuzz/corpus/$t
    mkdir -p "$dir" "$out/work/$t"
    for f in "$out"/work/crash-"$t"-*; do
      [ -e "$f" ] && cp "$f" "$dir/regress-$(sha1sum "$f" | cut -c1-16)"
    done
    tmp=$(mktemp -d)
    dirs=("$dir" "$out/work/$t")
    [ -d "$out/seeds/$t" ] && dirs+=("$out/seeds/$t")
    "$out/fuzz_$t" -merge=1 "$tmp" "${dirs[@]}" >/dev/null 2>&1
    find "$dir" -type f ! -name 'regress-*' -delete
    mapfile -t merged < <(ls -S "$tmp")
    n=${#merged[@]}
    for ((i = 0; i < n && i < keep; i++)); do
      cp "$tmp/${merged[$((i * n / (n < keep ? n : keep)))]}" "$dir/"
    done
    rm -rf "$tmp"
    echo "$t: $(ls "$dir" | wc -l) inputs kept of $n"
  done
  exit 0
fi

# The stores the block_store and http_* targets open per input or process: in memory if we can.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi
secs=${1:-120}
shift || true
targets=${*:-$all}
"$out/fuzz_seeds" "$out/seeds"
status=0
run() {
  local t=$1
  mkdir -p "$out/work/$t"
  local seeds=()
  [ -d "$src/tools/fuzz/corpus/$t" ] && seeds+=("$src/tools/fuzz/corpus/$t")
  [ -d "$out/seeds/$t" ] && seeds+=("$out/seeds/$t")
  local extra=()
  # The real server's connection threads outlive an input with their buffers: leak checks
  # after each input would report those as leaks.
  [ "$t" = http_wire ] && extra+=(-detect_leaks=0)
  if "$out/fuzz_$t" "$out/work/$t" "${seeds[@]}" "${extra[@]}" -max_total_time="$secs" -timeout=20 \
       -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$out/work/crash-$t-" \
       >"$out/work/$t.log" 2>&1; then
    echo "$t: ok, $(grep -o 'Done [0-9]* runs' "$out/work/$t.log" | tail -1)"
  else
    echo "$t: FAILED, see $out/work/$t.log and $out/work/crash-$t-*"
    return 1
  fi
}
set -- $targets
while [ $# -gt 0 ]; do
  run "$1" & a=$!
  b=
  if [ $# -gt 1 ]; then run "$2" & b=$!; fi
  wait $a || status=1
  if [ -n "$b" ]; then wait $b || status=1; fi
  shift; [ $# -gt 0 ] && shift
done
exit $status
