# Sourced by the other scripts: finds Java 25 and Maven, or says exactly what is missing.
find_java() {
  local c
  for c in "${EIM_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/*25*; do
    if [ -n "$c" ] && [ -x "$c/bin/java" ] && "$c/bin/java" -version 2>&1 | grep -q 'version "25'; then
      export JAVA_HOME="$c"; return 0
    fi
  done
  echo "error: Java 25 not found. Install Temurin 25 in /usr/lib/jvm/temurin-25-jdk-amd64 or set EIM_JAVA_HOME." >&2
  return 1
}
find_java || exit 1
export PATH="$JAVA_HOME/bin:$PATH"
if ! command -v mvn >/dev/null 2>&1; then
  echo "Maven not found: installing Debian's maven" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven) || { echo "error: Maven missing and apt-get failed" >&2; exit 1; }
fi
# ParallelGC (TornadoVM's argfile asks for it too) with the young generation capped: the heap may
# grow to -Xmx (EIM_JAVA_OPTS) but resident memory stays near what is live. Sampling the L
# generator from a checkpoint with EMA weights peaked at 3.2 GB resident this way, 7.4 GB with
# the JVM's defaults (measured 2026-12-01, both with -Xmx16g).
EIM_JVM_FLAGS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -XX:MaxNewSize=512m"
# The heap limit of scripts/eim and scripts/demo.sh unless EIM_JAVA_OPTS says otherwise: three quarters
# of the memory this machine (or container) has. The JVM fixes it at start, before a command's options
# are read; resident memory follows what the command keeps live (the flags above), and a command that
# needs more stops with "error: out of memory ... raise the heap with EIM_JAVA_OPTS=-Xmx...".
EIM_DEFAULT_HEAP="-XX:MaxRAMPercentage=75"
export MAVEN_OPTS="${MAVEN_OPTS:-} --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC"

# TornadoVM (the tornado backend): TORNADOVM_HOME names the SDK. Without it, the copy in
# ../shared/tornadovm is installed (about a minute, once); elsewhere, install the upstream SDK.
TORNADOVM_VERSION=5.2.0-jdk25
ensure_tornadovm() {
  if [ -n "${TORNADOVM_HOME:-}" ] && [ -f "$TORNADOVM_HOME/tornado-argfile" ]; then
    :
  elif [ -z "${TORNADOVM_HOME:-}" ] && [ -f "$HOME/.tornadovm/$TORNADOVM_VERSION/tornado-argfile" ] \
      && ls "$HOME/.m2/repository/io/github/beehive-lab/tornado-api/$TORNADOVM_VERSION/"*.jar >/dev/null 2>&1; then
    export TORNADOVM_HOME="$HOME/.tornadovm/$TORNADOVM_VERSION"
  else
    local shared
    shared="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/shared/tornadovm"
    if [ -z "${TORNADOVM_HOME:-}" ] && [ -f "$shared/setup.sh" ]; then
      echo "installing TornadoVM $TORNADOVM_VERSION from $shared (about a minute, once)" >&2
      local exports
      if exports="$(JAVA_HOME="$JAVA_HOME" bash "$shared/setup.sh" 2>/tmp/tornadovm-setup.log)"; then
        eval "$exports"
      else
        echo "error: TornadoVM setup failed (log: /tmp/tornadovm-setup.log): $(tail -n 1 /tmp/tornadovm-setup.log)" >&2
        return 1
      fi
    else
      echo "error: TornadoVM not found${TORNADOVM_HOME:+ in TORNADOVM_HOME=$TORNADOVM_HOME}: install the TornadoVM SDK $TORNADOVM_VERSION" \
        "(JDK 25 flavour, OpenCL or PTX backend, from the TornadoVM releases) and set TORNADOVM_HOME to it" >&2
      return 1
    fi
  fi
  # every JVM we start loads the TornadoVM runtime; bailout off: a kernel it cannot compile is an error
  EIM_TORNADO_FLAGS="@$TORNADOVM_HOME/tornado-argfile -Dtornado.recover.bailout=False -Dtornado.tvm.maxbytecodesize=1048576"
  export TORNADOVM_HOME EIM_TORNADO_FLAGS
}
EIM_TORNADO_FLAGS=""

# PoCL gives the OpenCL backend a CPU device; GPU drivers bring their own ICDs.
ensure_pocl() {
  if ! ls /etc/OpenCL/vendors/*.icd >/dev/null 2>&1; then
    echo "installing PoCL (OpenCL on the CPU) with apt-get" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pocl-opencl-icd) \
      || echo "warning: could not install pocl-opencl-icd; the opencl backend will be unavailable" >&2
  fi
}
