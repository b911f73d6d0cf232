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
EIM_JVM_FLAGS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
export MAVEN_OPTS="${MAVEN_OPTS:-} --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC"

# PoCL gives the OpenCL backend a CPU device; GPU drivers bring their own ICDs.
ensure_pocl() {
  if ! ls /etc/OpenCL/vendors/*.icd >/dev/null 2>&1; then
    echo "installing PoCL (OpenCL on the CPU) with apt-get" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pocl-opencl-icd) \
      || echo "warning: could not install pocl-opencl-icd; the opencl backend will be unavailable" >&2
  fi
}
