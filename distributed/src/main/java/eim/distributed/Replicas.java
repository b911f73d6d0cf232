package eim.distributed;

import eim.model.Parameters;
import eim.model.generator.EquivariantGenerator;
import eim.model.generator.GeneratorConfig;
import eim.model.generator.GeneratorTraining;
import eim.tasks.Device;
import eim.tasks.Devices;
import eim.tasks.io.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model replicas that live in one JVM (a Spark executor, or the driver in local mode) between
 * the steps of a run: idle replicas of each run, taken by a step's task and given back after it.
 * Every replica of a run holds the same weights and optimiser state (the driver checks a checksum
 * every step), so a task takes any idle replica of its shard size whose step is the one it needs,
 * or the one before (then it applies the previous step's combined gradients first). A replica that
 * fell behind is closed; a task that finds none reports itself stale and the driver re-sends its
 * full state.
 */
final class Replicas {
    private Replicas() {}

    /** One replica: a model, its device and its training step (optimiser, EMA). */
    static final class Replica implements AutoCloseable {
        final int size;
        final EquivariantGenerator model;
        final Device device;
        final GeneratorTraining training;

        Replica(int size, EquivariantGenerator model, Device device, GeneratorTraining training) {
            this.size = size;
            this.model = model;
            this.device = device;
            this.training = training;
        }

        long step() {
            return training.steps();
        }

        @Override
        public void close() {
            try (device) {
                training.close();
            }
        }
    }

    private static final Map<String, List<Replica>> idle = new HashMap<>();

    /**
     * An idle replica of {@code run} with {@code size} sequences at step {@code step - 1} or else
     * {@code step}, or null; idle replicas of that size further behind are closed.
     */
    static synchronized Replica take(String run, int size, long step) {
        List<Replica> list = idle.get(run);
        if (list == null) {
            return null;
        }
        Replica best = null;
        for (Iterator<Replica> it = list.iterator(); it.hasNext(); ) {
            Replica r = it.next();
            if (r.size != size) {
                continue;
            }
            if (r.step() != step && r.step() != step - 1) {
                it.remove();
                r.close();
            } else if (best == null || r.step() < best.step()) {
                // one behind first: a replica already at this step is one whose task is being retried, and
                // taking it while another waits one behind would leave that one behind for good
                best = r;
            }
        }
        if (best != null) {
            list.remove(best);
        }
        return best;
    }

    static synchronized void give(String run, Replica r) {
        idle.computeIfAbsent(run, k -> new ArrayList<>()).add(r);
    }

    /** Closes every idle replica of {@code run} in this JVM; returns how many. */
    static synchronized int closeRun(String run) {
        List<Replica> list = idle.remove(run);
        if (list == null) {
            return 0;
        }
        list.forEach(Replica::close);
        return list.size();
    }

    /** A new replica of {@code size} sequences from the driver's state. */
    static Replica create(State state, Map<String, String> config, GeneratorTraining.Recipe recipe, String device,
                          int size, int length) {
        EquivariantGenerator m = new EquivariantGenerator(GeneratorConfig.fromMetadata(config, "the driver's model"));
        Map<String, Tensor> t = state.tensors();
        m.params.load(t, "model.", "the driver's state");
        Device dev = Devices.open(device);
        try {
            GeneratorTraining tr = m.training(dev, size, length, recipe);
            tr.restore(t, state.step(), "the driver's state");
            return new Replica(size, m, dev, tr);
        } catch (RuntimeException e) {
            dev.close();
            throw e;
        }
    }

    /** The weights, optimiser moments, EMA and step count of a model, as plain arrays (serialisable). */
    record State(Map<String, float[]> values, Map<String, long[]> shapes, long step) implements java.io.Serializable {
        static State of(EquivariantGenerator model, GeneratorTraining training) {
            Map<String, Tensor> t = new LinkedHashMap<>(training.optimizerState()); // brings weights to the host too
            t.putAll(model.params.toTensors("model."));
            Map<String, float[]> v = new LinkedHashMap<>();
            Map<String, long[]> s = new LinkedHashMap<>();
            t.forEach((k, x) -> {
                v.put(k, x.floats());
                s.put(k, x.shape());
            });
            return new State(v, s, training.steps());
        }

        Map<String, Tensor> tensors() {
            Map<String, Tensor> t = new LinkedHashMap<>();
            values.forEach((k, x) -> t.put(k, Tensor.of(x, shapes.get(k))));
            return t;
        }
    }

    /** A checksum of the weights (their bits, in parameter order): replicas in step agree exactly. */
    static long checksum(EquivariantGenerator m) {
        long h = 0x9E3779B97F4A7C15L;
        for (Parameters.Param p : m.params.all()) {
            for (float x : p.value().array()) {
                h = (h ^ Float.floatToRawIntBits(x)) * 0x100000001B3L;
            }
            h = Long.rotateLeft(h, 17);
        }
        return h;
    }
}
