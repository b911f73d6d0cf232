#!/usr/bin/env bash
# README command 2: installs what the tests need (PoCL, JDK check, Maven build) and runs them all.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
ensure_pocl
# The tornado backend's tests need TornadoVM: in CI its absence is a failure, elsewhere they are skipped.
if ! ensure_tornadovm; then
  if [ -n "${CI:-}" ]; then exit 1; fi
  echo "warning: running without TornadoVM: the tornado backend's tests will be skipped" >&2
fi
# Fashion-MNIST's tests read Debian's package: CI installs it (elsewhere they are skipped without it)
if [ -n "${CI:-}" ] && ! dpkg -s dataset-fashion-mnist >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist) >&2 \
    || echo "warning: could not install dataset-fashion-mnist: its two tests will be skipped" >&2
fi
set +e
mvn -B -q -ntp clean install "$@" 2>&1 | grep -v -E '^WARNING: (A terminally|sun.misc|Please consider|.*will be removed)'
status=${PIPESTATUS[0]}
if [ "$status" -eq 0 ]; then
  # the toy CLI chain once more, every command through scripts/eim in its own JVM, as a user runs it
  echo "== CliChainTest through scripts/eim" >&2
  # (the modules it needs were just installed, so surefire runs the compiled test against them)
  mvn -B -q -ntp -o -pl runtime surefire:test -Dtest=CliChainTest -Deim.cli.script="$PWD/scripts/eim" 2>&1 \
    | grep -v -E '^WARNING: (A terminally|sun.misc|Please consider|.*will be removed)'
  status=${PIPESTATUS[0]}
fi
set -e
# Surefire totals across modules, as one closing line
python3 - <<'PY' || true
import glob, re
t=f=e=s=0
for p in glob.glob("*/target/surefire-reports/*.txt"):
    m=re.search(r"Tests run: (\d+), Failures: (\d+), Errors: (\d+), Skipped: (\d+)", open(p).read())
    if m:
        a,b,c,d=map(int,m.groups()); t+=a; f+=b; e+=c; s+=d
print(f"Tests: {t-f-e-s} passed, {f+e} failed, {s} skipped")
PY
exit $status
