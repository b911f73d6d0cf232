package eim.model.io;

import eim.model.generator.EquivariantGenerator;
import eim.model.generator.GeneratorConfig;
import eim.model.io.GeneratorShapes;
import eim.model.io.ShapeReport;
import eim.tasks.io.SafeTensors;
import eim.tasks.io.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Our generator checkpoint: one safetensors file with {@code model.<key>} (weights, the authors'
 * state_dict keys), optionally {@code model_ema.<key>} and the optimiser's {@code optim.m/v.<key>},
 * and the config, step and training options as metadata. Readable from Python's safetensors.
 * The metadata also records {@value #VAE_NORM}, the factor its training tokens were multiplied by
 * (what sampled tokens are divided by before decoding), and {@value #CLASSES}, the class names
 * one per line, when the training data named them.
 */
public final class GeneratorCheckpoint {
    public static final String FORMAT = "eim-generator/1";
    public static final String VAE_NORM = "vae_norm", CLASSES = "classes";

    /** A loaded checkpoint. */
    public record Loaded(GeneratorConfig config, Map<String, Tensor> tensors, Map<String, String> metadata, Path file) {
        public boolean hasEma() {
            return tensors.keySet().stream().anyMatch(k -> k.startsWith("model_ema."));
        }

        /** The vae_norm of the training tokens, or null when the checkpoint does not record it. */
        public Float vaeNorm() {
            return parseVaeNorm(metadata.get(VAE_NORM), file.toString());
        }

        /** Class names in label order, empty when not recorded. */
        public java.util.List<String> classNames() {
            String s = metadata.get(CLASSES);
            return s == null || s.isEmpty() ? java.util.List.of() : java.util.List.of(s.split("\n"));
        }

        public long step() {
            return Long.parseLong(metadata.getOrDefault("step", "0"));
        }

        /** A model with the EMA weights when present and {@code preferEma}, else the live weights. */
        public EquivariantGenerator model(boolean preferEma) {
            EquivariantGenerator m = new EquivariantGenerator(config);
            m.params.load(tensors, preferEma && hasEma() ? "model_ema." : "model.", file.toString());
            return m;
        }
    }

    private GeneratorCheckpoint() {}

    /** A recorded vae_norm (null when absent), checked to be a finite number > 0. */
    static Float parseVaeNorm(String value, String source) {
        if (value == null) {
            return null;
        }
        float v;
        try {
            v = Float.parseFloat(value.trim());
        } catch (NumberFormatException e) {
            v = Float.NaN;
        }
        if (!(v > 0 && Float.isFinite(v))) {
            throw new IllegalArgumentException(source + ": metadata vae_norm '" + value + "' is not a finite number > 0");
        }
        return v;
    }

    /** Writes model weights plus {@code extra} tensors and metadata, atomically. */
    public static void save(Path file, EquivariantGenerator m, Map<String, Tensor> extra, Map<String, String> meta)
            throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>(m.params.toTensors("model."));
        t.putAll(extra);
        Map<String, String> md = new LinkedHashMap<>(m.cfg.toMetadata());
        md.put("format", FORMAT);
        md.putAll(meta);
        SafeTensors.write(file, t, md);
    }

    public static Loaded load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such checkpoint file");
        }
        // tensors are read when a model (or a resumed optimiser) asks for them: weights + one tensor in memory
        SafeTensors.Contents c = SafeTensors.readLazily(file); // its errors name the file
        String kind = c.metadata().get("kind");
        if (!"eim-generator".equals(kind)) {
            throw new IOException(file + ": not a generator checkpoint (metadata kind = " + kind
                    + "; expected eim-generator). For the authors' .ckpt files use 'eim import' first.");
        }
        GeneratorConfig cfg = GeneratorConfig.fromMetadata(c.metadata(), file.toString());
        requireShapes(cfg, c.tensors(), "model.", file);
        if (c.tensors().keySet().stream().anyMatch(k -> k.startsWith("model_ema."))) {
            requireShapes(cfg, c.tensors(), "model_ema.", file);
        }
        return new Loaded(cfg, c.tensors(), c.metadata(), file);
    }

    /**
     * Checks the metadata's sizes against the weights under {@code prefix} before a model of that
     * config is allocated, so a corrupt or hand-edited config (width 10^9, depth 10^6) fails with one
     * line naming the first disagreeing tensor instead of running out of memory.
     */
    static void requireShapes(GeneratorConfig cfg, Map<String, Tensor> tensors, String prefix, Path file) throws IOException {
        Map<String, long[]> found = new LinkedHashMap<>();
        for (String k : tensors.keySet()) {
            if (k.startsWith(prefix)) {
                found.put(k.substring(prefix.length()), SafeTensors.shape(tensors, k));
            }
        }
        // the expected key list grows with depth: bound it by what the file holds before building it
        if (cfg.depth() > found.size() || cfg.headDepth() > found.size()) {
            throw new IOException(file + ": the metadata says " + cfg.depth() + " blocks and a " + cfg.headDepth()
                    + "-block head, but the file holds only " + found.size() + " '" + prefix + "*' tensors");
        }
        ShapeReport r = ShapeReport.compare(file.toString(), GeneratorShapes.expected(cfg), found);
        if (!r.ok()) {
            String first = !r.mismatched().isEmpty() ? "tensor " + prefix + r.mismatched().get(0)
                    : !r.missing().isEmpty() ? "no tensor " + prefix + r.missing().get(0)
                    : "an unexpected tensor " + prefix + r.unexpected().get(0);
            throw new IOException(file + ": the metadata's config (width " + cfg.width() + ", depth " + cfg.depth()
                    + ", " + cfg.tokenChannels() + "-channel tokens, " + cfg.numClasses() + " classes, head "
                    + cfg.headWidth() + "x" + cfg.headDepth() + ") does not match the weights: " + first + " ("
                    + (r.mismatched().size() + r.missing().size() + r.unexpected().size()) + " differences)");
        }
    }
}
