#!/usr/bin/env bash
# The one test command for a fresh clone and for CI (`npm run test:all`, `.ci/run`):
# install exact packages, install system test peers, type-check, lint and format check, then jest.
# The last line printed is jest's own summary (`jest: N passed, N failed, N skipped`).
set -uo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== test-all: %s\n' "$*"; }

# node_modules matches the lockfile when npm's hidden lockfile (what is installed) agrees
# with package-lock.json package by package. Locally that saves the ~40 s of `npm ci`
# (and avoids wiping node_modules under someone's running process); CI always installs.
lock_matches() {
  [ -f node_modules/.package-lock.json ] || return 1
  node -e '
    const want = require("./package-lock.json").packages || {};
    const have = require("./node_modules/.package-lock.json").packages || {};
    for (const [k, v] of Object.entries(want)) {
      if (!k) continue;
      const h = have[k];
      if (!h) { if (v.optional) continue; process.exit(1); }
      if (h.version !== v.version) process.exit(1);
    }
    for (const k of Object.keys(have)) if (!(k in want)) process.exit(1);
  ' 2>/dev/null
}

if [ "${CI:-}" = "true" ] || ! lock_matches; then
  step "npm ci"
  npm ci --no-fund --no-audit || { echo "test-all: npm ci failed" >&2; exit 1; }
else
  step "npm ci skipped: node_modules matches package-lock.json"
fi

step "system test dependencies"
bash scripts/setup-test-deps.sh || { echo "test-all: setup-test-deps failed" >&2; exit 1; }

step "tsc --noEmit"
tsc_rc=0
node_modules/.bin/tsc -p . --noEmit || tsc_rc=$?
if [ "$tsc_rc" -ne 0 ]; then
  echo "test-all: TYPE CHECK FAILED (exit $tsc_rc); running jest anyway, the run will fail" >&2
fi

step "lint (eslint: floors, cycles of value imports; import-cycles: type imports too) and format"
lint_rc=0
npm run --silent lint || lint_rc=$?
npm run --silent format:check || lint_rc=$?
if [ "$lint_rc" -ne 0 ]; then
  echo "test-all: LINT OR FORMAT FAILED (exit $lint_rc); running jest anyway, the run will fail" >&2
fi

step "jest --ci $*"
# jest's own closing block (Test Suites:/Tests:/Ran all…) goes to stderr after our
# summary reporter has written `jest: N passed, …` to stdout, so with 2>&1 the summary
# would not be last. Hold that one line back and print it once jest has exited.
summary=$(mktemp)
node_modules/.bin/jest --ci "$@" | awk -v held="$summary" '/^jest: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$/ { print > held; next } { print; fflush() }'
jest_rc=${PIPESTATUS[0]}
cat "$summary"
rm -f "$summary"
# Nothing may print after this: the summary line is what CI reads.
if [ "$jest_rc" -ne 0 ]; then exit "$jest_rc"; fi
if [ "$tsc_rc" -ne 0 ]; then exit "$tsc_rc"; fi
exit "$lint_rc"
