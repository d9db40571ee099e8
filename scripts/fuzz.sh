#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/, clang, ASan + UBSan, no LibTorch)
# and runs each in turn on its seed corpus, one at a time.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default: 600 s, all targets)
#
# TARGET is safetensors, zip, pickle, pth, train_config or image (or fuzz_<name>).
# Prints per target the executions, executions per second, coverage (cov:,
# ft:) and whether it crashed; crash, timeout and out-of-memory inputs go to
# BUILD/crashes/<target>/. Exits non-zero if any target found one.
# FUZZ_BUILD_DIR (default: build-fuzz) is the build folder; the corpus that
# grows as it runs stays in BUILD/corpus/<target>/ for the next run.
# FUZZ_SEED=N (CTest's fuzz_smoke sets 1) fixes libFuzzer's seed and starts
# from the seeds alone, in BUILD/corpus-seeded/: every machine then tries the
# same inputs in the same order, the slower one stopping sooner, so a finding
# on CI is found again here with the same command.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
secs="${1:-600}"
shift || true
build="${FUZZ_BUILD_DIR:-build-fuzz}"
case "$build" in /*) ;; *) build="$root/$build" ;; esac

all=(safetensors zip pickle pth train_config image)
targets=()
for t in "${@:-${all[@]}}"; do targets+=("${t#fuzz_}"); done

generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" "${generator[@]}" -DMAE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --parallel "$(nproc)" --target "${targets[@]/#/fuzz_}"

fixtures=tests/fixtures
# Seeds per target: fixture files (copied at run time, so libFuzzer reads them
# as a corpus) plus the regression inputs of past findings in tests/fuzz/regressions/.
seeds_of() {
  case "$1" in
  safetensors) ls $fixtures/vitmae/rgb32_p4/*.safetensors ;;
  zip | pth) ls $fixtures/formats/*.pth ;;
  pickle) ls $fixtures/formats/*.pkl ;;
  train_config) ls configs/train/*.json configs/models/*.json $fixtures/studio/*.json ;;
  image) ls $fixtures/images/*.jpg tests/fuzz/seeds/image/* ;;
  *) echo "unknown fuzz target '$1' (known: ${all[*]})" >&2; return 1 ;;
  esac
}

failed=0
summary=()
for t in "${targets[@]}"; do
  bin="$build/fuzz_$t"
  corpus="$build/corpus/$t"
  seed=()
  if [ -n "${FUZZ_SEED:-}" ]; then
    corpus="$build/corpus-seeded/$t"
    rm -rf "$corpus"
    seed=(-seed="$FUZZ_SEED")
  fi
  seeds="$build/seeds/$t"
  crashes="$build/crashes/$t"
  log="$build/logs/$t.log"
  mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
  rm -rf "$seeds" && mkdir -p "$seeds"
  seeds_of "$t" | while read -r f; do cp "$f" "$seeds/"; done
  dirs=("$corpus" "$seeds")
  [ -d "tests/fuzz/regressions/$t" ] && dirs+=("tests/fuzz/regressions/$t")
  dict=()
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
  before=$(ls "$crashes" | wc -l)
  echo "== fuzz_$t: ${secs} s"
  rc=0
  "$bin" "${dirs[@]}" "${dict[@]}" "${seed[@]}" -max_total_time="$secs" -print_final_stats=1 \
    -max_len=65536 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$crashes/" \
    >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  status=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
  found=$(($(ls "$crashes" | wc -l) - before))
  result="ok"
  if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
    result="CRASH (exit $rc, $found new file(s) in $crashes; log $log)"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*uncaught|.*terminate called)' "$log" |
      head -5 || true
    failed=1
  fi
  line=$(printf '%-17s execs %-10s execs/s %-7s cov %-6s ft %-7s %s' "fuzz_$t" "${execs:-?}" \
    "${rate:-?}" "${cov:-?}" "${ft:-?}" "$result")
  echo "$line"
  summary+=("$line")
done

echo
echo "== summary (${secs} s per target)"
printf '%s\n' "${summary[@]}"
exit "$failed"
