package eim.runtime.tokenizer;

import eim.model.tokenizer.Tokenizer;
import eim.model.tokenizer.TokenizerConfig;
import eim.model.tokenizer.TokenizerParameters;
import eim.tasks.Device;
import eim.tasks.io.SafeTensors;
import eim.tasks.io.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tokenizer checkpoint as one safetensors file (written atomically): the weights under the
 * authors' keys, their EMA copy under {@code ema.<key>}, Adam's moments under
 * {@code adam.m.<key>}/{@code adam.v.<key>}, the loss's {@code loss.logvar}, and in the metadata the
 * config, the step and the counters needed to resume.
 */
public final class TokenizerCheckpoint {
    public static final String EMA = "ema.";
    static final String ADAM_M = "adam.m.", ADAM_V = "adam.v.", LOGVAR = "loss.logvar";

    /** What a checkpoint holds besides the weights (which go straight into a Tokenizer). */
    record TrainingState(long step, long adamSteps, long emaUpdates, float logvar, Map<String, float[]> adamM,
                         Map<String, float[]> adamV, boolean hasEma) {}

    private TokenizerCheckpoint() {}

    static void save(Path file, Tokenizer model, TokenizerParameters ema, HostAdam adam, float logvar, long step,
                     long emaUpdates) throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>(model.parameters().toTensors());
        for (var e : ema.toTensors().entrySet()) {
            t.put(EMA + e.getKey(), e.getValue());
        }
        for (var e : model.parameters().entries()) {
            long[] shape = java.util.Arrays.stream(e.shape()).asLongStream().toArray();
            float[] m = adam.firstMoments().get(e.name()), v = adam.secondMoments().get(e.name());
            if (m != null) {
                t.put(ADAM_M + e.name(), Tensor.of(m.clone(), shape));
                t.put(ADAM_V + e.name(), Tensor.of(v.clone(), shape));
            }
        }
        float[] lvm = adam.firstMoments().get(LOGVAR);
        if (lvm != null) {
            t.put(ADAM_M + LOGVAR, Tensor.of(lvm.clone()));
            t.put(ADAM_V + LOGVAR, Tensor.of(adam.secondMoments().get(LOGVAR).clone()));
        }
        t.put(LOGVAR, Tensor.of(new float[] {logvar}));
        Map<String, String> meta = new LinkedHashMap<>(model.config().toMetadata());
        meta.put("step", "" + step);
        meta.put("adam_steps", "" + adam.steps());
        meta.put("ema_updates", "" + emaUpdates);
        SafeTensors.write(file, t, meta);
    }

    /** The config stored in {@code file}, with a clear error when it is not a tokenizer checkpoint. */
    public static TokenizerConfig config(Path file) throws IOException {
        return TokenizerConfig.fromMetadata(read(file).metadata(), file.toString());
    }

    /**
     * A tokenizer with the checkpoint's weights for inference: the EMA copy when {@code useEma} and
     * present (the authors tokenize with ema_scope), else the trained weights.
     */
    public static Tokenizer loadForInference(Path file, Device device, boolean useEma) throws IOException {
        SafeTensors.Contents c = read(file);
        TokenizerConfig cfg = TokenizerConfig.fromMetadata(c.metadata(), file.toString());
        Tokenizer t = new Tokenizer(cfg, device, 0);
        boolean hasEma = c.tensors().keySet().stream().anyMatch(k -> k.startsWith(EMA));
        Map<String, Tensor> weights = useEma && hasEma ? strip(c.tensors(), EMA) : c.tensors();
        t.parameters().load(weights, file.toString(), EMA, ADAM_M, ADAM_V, LOGVAR);
        return t;
    }

    /** Loads weights into {@code model} and {@code ema}; returns the rest, for resuming. */
    static TrainingState loadInto(Path file, Tokenizer model, TokenizerParameters ema) throws IOException {
        SafeTensors.Contents c = read(file);
        TokenizerConfig cfg = TokenizerConfig.fromMetadata(c.metadata(), file.toString());
        if (!cfg.equals(model.config())) {
            throw new IllegalArgumentException(file + ": checkpoint config " + cfg.toMetadata()
                    + " does not match the requested " + model.config().toMetadata());
        }
        model.parameters().load(c.tensors(), file.toString(), EMA, ADAM_M, ADAM_V, LOGVAR);
        boolean hasEma = c.tensors().keySet().stream().anyMatch(k -> k.startsWith(EMA));
        ema.load(hasEma ? strip(c.tensors(), EMA) : c.tensors(), file.toString(), EMA, ADAM_M, ADAM_V, LOGVAR);
        Map<String, float[]> m = new HashMap<>(), v = new HashMap<>();
        for (var e : c.tensors().entrySet()) {
            if (e.getKey().startsWith(ADAM_M)) {
                m.put(e.getKey().substring(ADAM_M.length()), e.getValue().floats());
            } else if (e.getKey().startsWith(ADAM_V)) {
                v.put(e.getKey().substring(ADAM_V.length()), e.getValue().floats());
            }
        }
        Tensor lv = c.tensors().get(LOGVAR);
        return new TrainingState(longField(c, "step", file), longField(c, "adam_steps", file),
                longField(c, "ema_updates", file), lv == null ? 0f : lv.floats()[0], m, v, hasEma);
    }

    private static Map<String, Tensor> strip(Map<String, Tensor> tensors, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        tensors.forEach((k, t) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), t);
            }
        });
        return out;
    }

    private static long longField(SafeTensors.Contents c, String key, Path file) {
        String v = c.metadata().get(key);
        if (v == null) {
            throw new IllegalArgumentException(file + ": checkpoint metadata lacks '" + key + "' (not a training checkpoint)");
        }
        return Long.parseLong(v.trim());
    }

    private static SafeTensors.Contents read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such checkpoint file");
        }
        return SafeTensors.read(file);
    }
}
