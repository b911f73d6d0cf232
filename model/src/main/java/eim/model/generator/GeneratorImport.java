package eim.model.generator;

import eim.model.io.GeneratorCheckpoint;
import eim.model.io.GeneratorShapes;
import eim.model.io.GeneratorWeights;
import eim.model.io.ShapeReport;
import eim.model.io.TensorRef;
import eim.model.io.TorchCheckpoint;
import eim.model.tokenizer.TokenizerImport;
import eim.tasks.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The authors' generator checkpoint ({@code model}/{@code model_ema} state_dicts in a torch.save
 * zip) to ours: sizes from the tensor shapes (heads and window given, default the authors' heads
 * (width/64; 16 for H) and 3),
 * every key and shape checked, tensors streamed one at a time.
 */
public final class GeneratorImport {
    private GeneratorImport() {}

    /** Reads sizes and checks every key; throws the full shape report on any mismatch. */
    public static GeneratorConfig config(GeneratorWeights w, String source, Integer heads, Integer window) {
        Map<String, long[]> found = ShapeReport.shapes(w.model());
        GeneratorConfig inferred = GeneratorShapes.infer(found, source,
                heads != null ? heads : GeneratorShapes.defaultHeads(found, source), window != null ? window : 3);
        ShapeReport.compare(source, GeneratorShapes.expected(inferred), found).requireOk();
        if (!w.ema().isEmpty()) {
            ShapeReport.compare(source + " (model_ema)", GeneratorShapes.expected(inferred), ShapeReport.shapes(w.ema()))
                    .requireOk();
        }
        return inferred;
    }

    /** A generator opened from either kind of file, with what the file says about its tokens. */
    public record Opened(EquivariantGenerator model, Float vaeNorm, java.util.List<String> classNames, boolean ema) {}

    /** Converts {@code in} (.ckpt/.pth) to our safetensors checkpoint {@code out}; returns the config. */
    public static GeneratorConfig convert(Path in, Path out, Integer heads, Integer window) throws IOException {
        return convert(in, out, heads, window, null);
    }

    /**
     * As {@link #convert(Path, Path, Integer, Integer)}, recording {@code vaeNorm} (null: the authors'
     * 0.05493, the scale of their released models' tokens) as the checkpoint's vae_norm.
     */
    public static GeneratorConfig convert(Path in, Path out, Integer heads, Integer window, Float vaeNorm) throws IOException {
        try (TorchCheckpoint ck = TorchCheckpoint.open(in)) {
            GeneratorWeights w = GeneratorWeights.read(ck);
            GeneratorConfig cfg = config(w, in.toString(), heads, window);
            Map<String, long[]> shapes = new LinkedHashMap<>();
            Map<String, TensorRef> refs = new LinkedHashMap<>();
            for (var e : GeneratorShapes.expected(cfg).entrySet()) {
                shapes.put("model." + e.getKey(), e.getValue());
                refs.put("model." + e.getKey(), w.model().get(e.getKey()));
                if (!w.ema().isEmpty()) {
                    refs.put("model_ema." + e.getKey(), w.ema().get(e.getKey()));
                }
            }
            if (!w.ema().isEmpty()) {
                for (var e : GeneratorShapes.expected(cfg).entrySet()) {
                    shapes.put("model_ema." + e.getKey(), e.getValue());
                }
            }
            Map<String, String> meta = new LinkedHashMap<>(cfg.toMetadata());
            meta.put("format", GeneratorCheckpoint.FORMAT);
            meta.put("imported_from", in.getFileName().toString());
            meta.put("step", "0");
            meta.put(GeneratorCheckpoint.VAE_NORM, Float.toString(vaeNorm != null ? vaeNorm : TokenizerImport.AUTHORS_VAE_NORM));
            SafeTensors.write(out, shapes, k -> false, k -> ck.load(refs.get(k)), meta);
            return cfg;
        }
    }

    /** Loads our checkpoint or, for .ckpt/.pth, imports in memory. EMA weights when present and preferred. */
    public static EquivariantGenerator load(Path file, boolean preferEma, Integer heads, Integer window) throws IOException {
        return open(file, preferEma, heads, window).model();
    }

    /**
     * As {@link #load}, with the vae_norm and class names the file records (for the authors' .ckpt:
     * their 0.05493 and no names; {@code heads}/{@code window} apply to .ckpt files only).
     */
    public static Opened open(Path file, boolean preferEma, Integer heads, Integer window) throws IOException {
        String n = file.getFileName().toString();
        if (n.endsWith(".safetensors")) {
            GeneratorCheckpoint.Loaded ck = GeneratorCheckpoint.load(file);
            return new Opened(ck.model(preferEma), ck.vaeNorm(), ck.classNames(), preferEma && ck.hasEma());
        }
        try (TorchCheckpoint ck = TorchCheckpoint.open(file)) {
            GeneratorWeights w = GeneratorWeights.read(ck);
            GeneratorConfig cfg = config(w, file.toString(), heads, window);
            EquivariantGenerator m = new EquivariantGenerator(cfg);
            Map<String, TensorRef> sel = preferEma && !w.ema().isEmpty() ? w.ema() : w.model();
            for (var p : m.params.all()) {
                p.value().copyFrom(ck.load(sel.get(p.name())).floats());
            }
            return new Opened(m, TokenizerImport.AUTHORS_VAE_NORM, java.util.List.of(), preferEma && !w.ema().isEmpty());
        }
    }
}
