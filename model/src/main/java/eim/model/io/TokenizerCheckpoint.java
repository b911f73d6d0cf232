package eim.model.io;

import eim.model.tokenizer.Tokenizer;
import eim.model.tokenizer.TokenizerConfig;
import eim.model.tokenizer.TokenizerImport;
import eim.model.tokenizer.TokenizerTraining;
import eim.model.train.AdamW;
import eim.tasks.Device;
import eim.tasks.io.SafeTensors;
import eim.tasks.io.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    static final String ADAM_M = "adam.m.", ADAM_V = "adam.v.", LOGVAR = TokenizerTraining.LOGVAR;
    /** Where the optimizer's EMA and moments go (the EMA of loss.logvar, when learnt, is saved but unused). */
    public static final AdamW.Keys OPTIMIZER_KEYS = new AdamW.Keys(EMA, ADAM_M, ADAM_V);

    /** What a checkpoint holds besides the weights: counters, the log-variance, and every tensor (for the optimizer). */
    public record TrainingState(long step, long adamSteps, long emaUpdates, float logvar, Map<String, Tensor> tensors) {}

    private TokenizerCheckpoint() {}

    /**
     * Writes the weights, the optimizer's state (tensors under {@link #OPTIMIZER_KEYS}) and the
     * counters (host copies current).
     */
    public static void save(Path file, Tokenizer model, Map<String, Tensor> optimizer, long adamSteps, float logvar, long step,
                     long emaUpdates) throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>(model.parameters().toTensors());
        t.putAll(optimizer);
        t.put(LOGVAR, Tensor.of(new float[] {logvar}));
        Map<String, String> meta = new LinkedHashMap<>(model.config().toMetadata());
        meta.put("step", "" + step);
        meta.put("adam_steps", "" + adamSteps);
        meta.put("ema_updates", "" + emaUpdates);
        SafeTensors.write(file, t, meta);
    }

    /** The config stored in {@code file}, with a clear error when it is not a tokenizer checkpoint. */
    public static TokenizerConfig config(Path file) throws IOException {
        return checkedConfig(read(file), file);
    }

    /**
     * A tokenizer with the checkpoint's weights for inference: the EMA copy when {@code useEma} and
     * present (the authors tokenize with ema_scope), else the trained weights.
     */
    public static Tokenizer loadForInference(Path file, Device device, boolean useEma) throws IOException {
        return loadForInference(file, device, useEma, Tokenizer.Part.WHOLE);
    }

    /** As {@link #loadForInference(Path, Device, boolean)}, holding (and reading) only {@code part}. */
    public static Tokenizer loadForInference(Path file, Device device, boolean useEma, Tokenizer.Part part) throws IOException {
        // lazily: only the weights used are read (not the other copy, nor the optimiser's moments)
        SafeTensors.Contents c = readLazily(file);
        TokenizerConfig cfg = checkedConfig(c, file);
        Tokenizer t = new Tokenizer(cfg, device, 0, part);
        boolean hasEma = c.tensors().keySet().stream().anyMatch(k -> k.startsWith(EMA));
        Map<String, Tensor> weights = useEma && hasEma ? strip(c.tensors(), EMA) : c.tensors();
        java.util.List<String> ignored = new java.util.ArrayList<>(java.util.List.of(EMA, ADAM_M, ADAM_V, LOGVAR));
        ignored.addAll(java.util.List.of(part.absentPrefixes()));
        t.parameters().load(weights, file.toString(), ignored.toArray(String[]::new));
        return t;
    }

    /**
     * Records in {@code file} the vae_norm its latents are to be multiplied by (rewrites the file
     * atomically with that config field changed): after training, 1 / std of the posterior means
     * ({@link Tokenization#measureVaeNorm}), so that token files, generator checkpoints and decoding
     * all use the factor the tokens really were scaled with.
     */
    public static TokenizerConfig recordVaeNorm(Path file, float vaeNorm) throws IOException {
        SafeTensors.Contents c = read(file);
        TokenizerConfig cfg = TokenizerConfig.fromMetadata(c.metadata(), file.toString());
        TokenizerConfig updated = new TokenizerConfig(cfg.resolution(), cfg.inChannels(), cfg.ch(), cfg.chMult(),
                cfg.numResBlocks(), cfg.attnResolutions(), cfg.zChannels(), cfg.embedDim(), cfg.groups(), cfg.std(), vaeNorm);
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        meta.putAll(updated.toMetadata());
        SafeTensors.write(file, c.tensors(), meta);
        return updated;
    }

    /** Loads the weights into {@code model}; returns the rest, for resuming. */
    public static TrainingState loadInto(Path file, Tokenizer model) throws IOException {
        SafeTensors.Contents c = read(file);
        TokenizerConfig cfg = checkedConfig(c, file);
        if (!cfg.equals(model.config())) {
            throw new IllegalArgumentException(file + ": checkpoint config " + cfg.toMetadata()
                    + " does not match the requested " + model.config().toMetadata());
        }
        model.parameters().load(c.tensors(), file.toString(), EMA, ADAM_M, ADAM_V, LOGVAR);
        Tensor lv = c.tensors().get(LOGVAR);
        return new TrainingState(longField(c, "step", file), longField(c, "adam_steps", file),
                longField(c, "ema_updates", file), lv == null ? 0f : lv.floats()[0], c.tensors());
    }

    /** The tensors under {@code prefix}, keys without it: a view, so lazily read tensors stay unread until used. */
    private static Map<String, Tensor> strip(Map<String, Tensor> tensors, String prefix) {
        java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        for (String k : tensors.keySet()) {
            if (k.startsWith(prefix)) {
                keys.add(k.substring(prefix.length()));
            }
        }
        return new java.util.AbstractMap<>() {
            @Override
            public Tensor get(Object key) {
                return keys.contains(key) ? tensors.get(prefix + key) : null;
            }

            @Override
            public boolean containsKey(Object key) {
                return keys.contains(key);
            }

            @Override
            public java.util.Set<String> keySet() {
                return java.util.Collections.unmodifiableSet(keys);
            }

            @Override
            public java.util.Set<Map.Entry<String, Tensor>> entrySet() {
                java.util.Set<Map.Entry<String, Tensor>> out = new java.util.LinkedHashSet<>();
                keys.forEach(k -> out.add(Map.entry(k, get(k))));
                return out;
            }
        };
    }

    private static long longField(SafeTensors.Contents c, String key, Path file) {
        String v = c.metadata().get(key);
        if (v == null) {
            throw new IllegalArgumentException(file + ": checkpoint metadata lacks '" + key + "' (not a training checkpoint)");
        }
        return Long.parseLong(v.trim());
    }

    /**
     * The metadata's config, checked against the sizes the weights imply before any model of it is
     * allocated: a corrupt or hand-edited config (ch 10^6, resolution 10^5) fails with one line
     * instead of running out of memory.
     */
    private static TokenizerConfig checkedConfig(SafeTensors.Contents c, Path file) throws IOException {
        TokenizerConfig cfg = TokenizerConfig.fromMetadata(c.metadata(), file.toString());
        Map<String, long[]> weights = new LinkedHashMap<>();
        for (String k : c.tensors().keySet()) {
            if (!k.startsWith(EMA) && !k.startsWith(ADAM_M) && !k.startsWith(ADAM_V) && !k.equals(LOGVAR)) {
                weights.put(k, SafeTensors.shape(c.tensors(), k));
            }
        }
        TokenizerConfig implied;
        try {
            implied = TokenizerImport.infer(weights, file.toString(),
                    new TokenizerImport.Options(null, null, cfg.groups(), cfg.vaeNorm()));
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        if (implied.resolution() != cfg.resolution() || implied.inChannels() != cfg.inChannels() || implied.ch() != cfg.ch()
                || !java.util.Arrays.equals(implied.chMult(), cfg.chMult()) || implied.numResBlocks() != cfg.numResBlocks()
                || implied.zChannels() != cfg.zChannels() || implied.embedDim() != cfg.embedDim()) {
            throw new IOException(file + ": the metadata's config (" + TokenizerImport.describe(cfg)
                    + ") does not match the weights, which imply " + TokenizerImport.describe(implied));
        }
        return cfg;
    }

    private static SafeTensors.Contents read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such checkpoint file");
        }
        return SafeTensors.read(file);
    }

    private static SafeTensors.Contents readLazily(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such checkpoint file");
        }
        return SafeTensors.readLazily(file);
    }
}
