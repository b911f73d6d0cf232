#!/usr/bin/env bash
# A Spark standalone cluster on this machine from the Maven-resolved jars (no Spark distribution):
#   scripts/cluster.sh start [N]   master on spark://localhost:7077 and N workers (default 2), 1 core each
#   scripts/cluster.sh stop        stops them
#   scripts/cluster.sh check [N]   starts N workers if none run, then trains 10 steps on the cluster with
#                                  N workers and without Spark on one replica, and compares the losses
#                                  and every tensor of the two final checkpoints
#   scripts/cluster.sh check-fault [N]  the same over 30 steps, with worker 1's executor killed (kill -9) mid-run
# Then: scripts/eim train ... --workers N --master spark://localhost:7077
# Each worker runs with SPARK_HOME=<dir whose jars/ links the resolved jars> and SPARK_SCALA_VERSION=2.13
# (without them every executor launch fails, see ../shared/notes/spark.md). State and logs: $EIM_CLUSTER_DIR
# (default /tmp/eim-cluster).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
. "$here/scripts/env.sh"
dir="${EIM_CLUSTER_DIR:-/tmp/eim-cluster}"
lib="$here/distributed/target/lib"
port=7077

build() {
  if [ ! -f "$here/distributed/target/distributed.jar" ] || [ ! -d "$lib" ] || [ ! -f "$here/runtime/target/eim.jar" ]; then
    echo "building the jars ..." >&2
    (cd "$here" && mvn -B -q -ntp -DskipTests -pl distributed -am package 2>&1 | grep -v '^WARNING' >&2) || true
    [ -f "$here/distributed/target/distributed.jar" ] || { echo "error: build failed" >&2; exit 1; }
  fi
}

spark_home() {
  mkdir -p "$dir/spark/jars"
  for j in "$lib"/*.jar; do ln -sf "$j" "$dir/spark/jars/"; done
}

running() { [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

start() {
  local n="${1:-2}"
  build
  spark_home
  if ! running master; then
    java -cp "$lib/*" org.apache.spark.deploy.master.Master --host localhost --port $port --webui-port 8080 \
      >"$dir/master.log" 2>&1 &
    echo $! >"$dir/master.pid"
    for _ in $(seq 60); do grep -q "I have been elected leader" "$dir/master.log" && break; sleep 1; done
    grep -q "I have been elected leader" "$dir/master.log" || { echo "error: the master did not start, see $dir/master.log" >&2; exit 1; }
  fi
  for i in $(seq "$n"); do
    running "worker$i" && continue
    mkdir -p "$dir/work$i"
    SPARK_HOME="$dir/spark" SPARK_SCALA_VERSION=2.13 java -cp "$lib/*" org.apache.spark.deploy.worker.Worker \
      "spark://localhost:$port" --host localhost --cores 1 --memory 3g --work-dir "$dir/work$i" --webui-port 0 \
      >"$dir/worker$i.log" 2>&1 &
    echo $! >"$dir/worker$i.pid"
  done
  for i in $(seq "$n"); do
    for _ in $(seq 60); do grep -q "Successfully registered with master" "$dir/worker$i.log" && break; sleep 1; done
    grep -q "Successfully registered with master" "$dir/worker$i.log" || { echo "error: worker $i did not register, see $dir/worker$i.log" >&2; exit 1; }
  done
  echo "spark://localhost:$port with $n worker(s); logs in $dir"
}

stop() {
  for f in "$dir"/worker*.pid "$dir"/master.pid; do
    [ -f "$f" ] || continue
    kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  echo "stopped"
}

check() {
  local n="${1:-2}" kill="${2:-0}"
  start "$n"
  local out="$dir/check" data="$dir/check/tokens.safetensors"
  rm -rf "$out"; mkdir -p "$out"
  # a small labelled token file: 24 sequences of 16 tokens x 8 channels, 3 classes
  cat >"$out/Tokens.java" <<'JAVA'
import java.util.*;
public class Tokens {
    public static void main(String[] a) throws Exception {
        int n = 24, l = 16, c = 8; Random r = new Random(5);
        float[] t = new float[n * l * c]; int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = i % 3;
        for (int i = 0; i < t.length; i++) t[i] = (labels[i / (l * c)] - 1) + (float) r.nextGaussian() * 0.3f;
        Map<String, eim.tasks.io.Tensor> m = new LinkedHashMap<>();
        m.put("tokens", eim.tasks.io.Tensor.of(t, n, l, c));
        m.put("labels", eim.tasks.io.Tensor.ofInts(labels, n));
        eim.tasks.io.SafeTensors.write(java.nio.file.Path.of(a[0]), m, Map.of());
    }
}
JAVA
  java -cp "$here/runtime/target/eim.jar" "$out/Tokens.java" "$data"
  local steps=10
  [ "$kill" = 1 ] && steps=30
  local common=(--data "$data" --width 64 --depth 2 --heads 4 --head-width 64 --head-depth 2 --dropout 0.1 --batch $((2 * n))
    --steps $steps --warmup 2 --log-every 1)
  "$here/scripts/eim" train "${common[@]}" --out "$out/one" >>"$out/log" 2>&1
  timeout 600 "$here/scripts/eim" train "${common[@]}" --workers "$n" --master "spark://localhost:$port" --out "$out/cluster" >>"$out/log" 2>&1 &
  local run=$!
  if [ "$kill" = 1 ]; then
    # once 5 steps are logged, kill -9 the executor JVM that worker 1 launched, in the middle of the run
    for _ in $(seq 300); do [ "$(cat "$out/cluster/loss.csv" 2>/dev/null | wc -l)" -gt 5 ] && break; sleep 0.5; done
    local exe
    exe="$(pgrep -P "$(cat "$dir/worker1.pid")" | head -1 || true)" # the executor: the worker's child JVM
    [ -n "$exe" ] || { echo "error: no executor process of worker 1 to kill" >&2; exit 1; }
    echo "killing executor $exe (worker 1) after step $(($(wc -l <"$out/cluster/loss.csv") - 1))"
    kill -9 "$exe"
  fi
  wait $run || { echo "error: the cluster run failed, see $out/log" >&2; exit 1; }
  grep "WARN  SparkTrainer\|Lost executor\|Lost task" "$out/log" | cut -c1-200 || true
  paste -d, "$out/one/loss.csv" "$out/cluster/loss.csv" | tail -n +2 | awk -F, '
    { d = $2 - $6; if (d < 0) d = -d; r = d / ($2 < 0 ? -$2 : $2); if (r > worst) worst = r; print "step " $1 ": loss " $2 " (1 replica) " $6 " (cluster)" }
    END { printf "largest relative difference %.2e (tolerance 1e-5)\n", worst; exit (worst <= 1e-5 ? 0 : 1) }'
  # and the weights: every tensor of the two final checkpoints, within the tolerance of the local-mode
  # equivalence test (SparkTrainerTest): 1e-3 x steps x lr per element, attention key biases (zero true
  # gradient, their updates are rounding noise) steps x lr
  cat >"$out/Compare.java" <<'JAVA'
import java.util.*;
public class Compare {
    public static void main(String[] a) throws Exception {
        var x = eim.tasks.io.SafeTensors.read(java.nio.file.Path.of(a[0]));
        var y = eim.tasks.io.SafeTensors.read(java.nio.file.Path.of(a[1]));
        int steps = Integer.parseInt(a[2]);
        float lr = Float.parseFloat(x.metadata().getOrDefault("train.lr", "1e-3"));
        double worst = 0; String where = ""; int compared = 0;
        for (String k : x.tensors().keySet()) {
            if (!k.startsWith("model.") && !k.startsWith("model_ema.")) continue;
            float[] p = x.get(k).floats(), q = y.get(k).floats();
            double tol = (k.endsWith(".attn2.k.bias") ? 1.0 : 1e-3) * steps * lr, err = 0;
            for (int i = 0; i < p.length; i++) err = Math.max(err, Math.abs(p[i] - q[i]));
            if (err / tol > worst) { worst = err / tol; where = k + " (max |difference| " + err + ")"; }
            compared++;
        }
        System.out.printf("weights: %d tensors compared, worst at %.2f of its tolerance: %s%n", compared, worst, where);
        System.exit(worst <= 1 ? 0 : 1);
    }
}
JAVA
  java -cp "$here/runtime/target/eim.jar" "$out/Compare.java" "$out/one/generator.safetensors" \
    "$out/cluster/generator.safetensors" "$steps"
}

case "${1:-}" in
  start) start "${2:-2}" ;;
  stop) stop ;;
  check) check "${2:-2}" 0 ;;
  check-fault) check "${2:-2}" 1 ;;
  *) echo "usage: scripts/cluster.sh start [N] | stop | check [N] | check-fault [N]" >&2; exit 2 ;;
esac
