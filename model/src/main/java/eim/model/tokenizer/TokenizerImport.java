package eim.model.tokenizer;

import eim.model.io.ShapeReport;
import eim.model.io.TensorRef;
import eim.model.io.TokenizerWeights;
import eim.model.io.TorchCheckpoint;
import eim.tasks.Device;
import eim.tasks.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The authors' tokenizer checkpoint (a PyTorch Lightning checkpoint of EquivariantTokenizer whose
 * {@code state_dict} holds the modules and their LitEma copies) to ours: the config read from the
 * tensor shapes (or a preset), every key and shape checked against the model's parameters,
 * training-only entries ({@code semantic_decoder.*}, {@code loss.*}, EMA counters) reported as
 * ignored. Our checkpoint is the layout of runtime's TokenizerCheckpoint: weights under the
 * authors' keys, the EMA copy under {@code ema.<key>}, the config in the metadata.
 */
public final class TokenizerImport {
    /** Key prefix of the EMA copy in our tokenizer checkpoints (runtime's TokenizerCheckpoint.EMA). */
    public static final String EMA_PREFIX = "ema.";
    /** GroupNorm groups of the authors' Normalize: not stored in a checkpoint. */
    public static final int AUTHORS_GROUPS = 32;
    /** The authors' latent scale for the released models (README: --vae_norm 0.05493). */
    public static final float AUTHORS_VAE_NORM = 0.05493f;
    /** Posterior noise of the authors' config (training only). */
    public static final float AUTHORS_STD = 2.5f;

    private static final Pattern DOWN_LEVEL = Pattern.compile("^encoder\\.down\\.(\\d+)\\.");
    private static final Pattern LEVEL0_BLOCK = Pattern.compile("^encoder\\.down\\.0\\.block\\.(\\d+)\\.");
    private static final Pattern ATTN_LEVEL = Pattern.compile("^encoder\\.down\\.(\\d+)\\.attn\\.");
    /** Modules the authors train but inference does not use. */
    private static final String SEMANTIC = "semantic_decoder.";

    private TokenizerImport() {}

    /**
     * Choices a checkpoint cannot tell: all optional.
     *
     * @param preset     use this preset's config (checked against the shapes) instead of inferring one
     * @param resolution expected image height; checked against the one the shapes imply
     * @param groups     GroupNorm groups (default {@link #AUTHORS_GROUPS}, or the preset's)
     * @param vaeNorm    latent scale stored with the config (default {@link #AUTHORS_VAE_NORM}, or the preset's)
     */
    public record Options(String preset, Integer resolution, Integer groups, Float vaeNorm) {
        public static Options defaults() {
            return new Options(null, null, null, null);
        }

        public static Options groups(int groups) {
            return new Options(null, null, groups, null);
        }
    }

    /**
     * What an import found.
     *
     * @param config  the tokenizer config
     * @param weights the checkpoint's state_dict split by role
     * @param ignored state_dict keys not imported (training-only), in checkpoint order
     * @param shapes  the imported keys with their shapes, in the model's order
     */
    public record Result(TokenizerConfig config, TokenizerWeights weights, List<String> ignored,
                         Map<String, long[]> shapes) {
        public boolean hasEma() {
            return !weights.ema().isEmpty();
        }

        /** One line: what was imported and what was left out. */
        public String summary() {
            return weights.weights().size() - countSemantic(weights.weights()) + " weights"
                    + (hasEma() ? " + " + (weights.ema().size() - countSemantic(weights.ema())) + " EMA copies" : ", no EMA")
                    + "; ignored " + ignored.size() + " training-only entries (semantic_decoder, loss, EMA counters)";
        }

        private static long countSemantic(Map<String, TensorRef> m) {
            return m.keySet().stream().filter(k -> k.startsWith(SEMANTIC)).count();
        }
    }

    /** True when {@code ck} looks like the authors' tokenizer checkpoint (a state_dict with encoder and quant_layer). */
    public static boolean isTokenizerCheckpoint(TorchCheckpoint ck) throws IOException {
        if (!ck.topLevelKeys().contains("state_dict")) {
            return false;
        }
        Map<String, TensorRef> sd = ck.tensors("state_dict");
        return sd.containsKey("encoder.conv_in.weight") && sd.containsKey("quant_layer.weight");
    }

    /** Reads the checkpoint's state_dict, decides the config and checks every key and shape. */
    public static Result inspect(TorchCheckpoint ck, Options options) throws IOException {
        String source = ck.file().toString();
        if (!ck.topLevelKeys().contains("state_dict")) {
            throw new IllegalArgumentException(source + ": no 'state_dict' entry (top-level keys " + ck.topLevelKeys()
                    + "): not a PyTorch Lightning tokenizer checkpoint");
        }
        TokenizerWeights w = TokenizerWeights.read(ck);
        Map<String, long[]> found = ShapeReport.shapes(withoutSemantic(w.weights()));
        TokenizerConfig cfg = options.preset() != null ? fromPreset(options, source) : infer(found, source, options);
        Map<String, long[]> expected = expectedShapes(cfg);
        ShapeReport.compare(source + " state_dict vs tokenizer " + describe(cfg), expected, found).requireOk();
        if (!w.ema().isEmpty()) {
            ShapeReport.compare(source + " EMA copies (ema_*) vs tokenizer " + describe(cfg), expected,
                    ShapeReport.shapes(withoutSemantic(w.ema()))).requireOk();
        }
        if (!w.unmatchedEma().isEmpty()) {
            throw new IllegalArgumentException(source + ": " + w.unmatchedEma().size()
                    + " EMA entries shadow no module weight, e.g. " + w.unmatchedEma().subList(0, Math.min(5, w.unmatchedEma().size())));
        }
        List<String> ignored = new ArrayList<>();
        w.weights().keySet().stream().filter(k -> k.startsWith(SEMANTIC)).forEach(ignored::add);
        w.ema().keySet().stream().filter(k -> k.startsWith(SEMANTIC)).map(TokenizerWeights::emaKey).forEach(ignored::add);
        ignored.addAll(w.emaCounters().keySet());
        ignored.addAll(w.other().keySet());
        return new Result(cfg, w, List.copyOf(ignored), expected);
    }

    /**
     * Converts {@code in} to our safetensors tokenizer checkpoint {@code out} (written atomically,
     * one tensor in memory at a time): weights under the authors' keys, EMA under {@code ema.<key>}.
     */
    public static Result convert(Path in, Path out, Options options) throws IOException {
        try (TorchCheckpoint ck = TorchCheckpoint.open(in)) {
            Result r = inspect(ck, options);
            Map<String, long[]> shapes = new LinkedHashMap<>();
            Map<String, TensorRef> refs = new LinkedHashMap<>();
            Map<String, long[]> expected = r.shapes();
            expected.forEach((k, s) -> {
                shapes.put(k, s);
                refs.put(k, r.weights().weights().get(k));
            });
            if (r.hasEma()) {
                expected.forEach((k, s) -> {
                    shapes.put(EMA_PREFIX + k, s);
                    refs.put(EMA_PREFIX + k, r.weights().ema().get(k));
                });
            }
            Map<String, String> meta = new LinkedHashMap<>(r.config().toMetadata());
            meta.put("imported_from", in.getFileName().toString());
            SafeTensors.write(out, shapes, k -> false, k -> ck.load(refs.get(k)), meta);
            return r;
        }
    }

    /** The config of the authors' checkpoint {@code in}, keys and shapes checked, no tensor read. */
    public static TokenizerConfig config(Path in, Options options) throws IOException {
        try (TorchCheckpoint ck = TorchCheckpoint.open(in)) {
            return inspect(ck, options).config();
        }
    }

    /**
     * A tokenizer with {@code in}'s weights for inference: the EMA copies when {@code useEma} and
     * present (the authors load them with init_from_ckpt/ema_scope), else the trained weights.
     */
    public static Tokenizer load(Path in, Device device, boolean useEma, Options options) throws IOException {
        return load(in, device, useEma, options, Tokenizer.Part.WHOLE);
    }

    /** As {@link #load(Path, Device, boolean, Options)}, holding (and reading) only {@code part}. */
    public static Tokenizer load(Path in, Device device, boolean useEma, Options options, Tokenizer.Part part)
            throws IOException {
        try (TorchCheckpoint ck = TorchCheckpoint.open(in)) {
            Result r = inspect(ck, options);
            Map<String, TensorRef> selected = r.weights().select(useEma && r.hasEma());
            Tokenizer t = new Tokenizer(r.config(), device, 0, part);
            for (TokenizerParameters.Entry e : t.parameters().entries()) {
                e.value().copyFrom(ck.load(selected.get(e.name())).floats());
            }
            t.parametersChanged();
            return t;
        }
    }

    /**
     * Every parameter key of the tokenizer for {@code cfg} with its PyTorch shape, in the model's
     * order. Builds the modules' parameter table (host arrays, no device, no initialisation).
     */
    public static Map<String, long[]> expectedShapes(TokenizerConfig cfg) {
        TokenizerParameters p = new TokenizerParameters();
        new Encoder(p, cfg);
        new Decoder(p, cfg);
        Map<String, long[]> out = new LinkedHashMap<>();
        for (TokenizerParameters.Entry e : p.entries()) {
            out.put(e.name(), TokenizerParameters.toLong(e.shape()));
        }
        return out;
    }

    /**
     * The config the shapes imply: ch and image channels from {@code encoder.conv_in}, the levels
     * from the {@code encoder.down.N} count, ch_mult from each level's first conv, num_res_blocks
     * from level 0's blocks, z channels from {@code encoder.conv_out}, the latent height from
     * {@code encoder.encoder1d} (post channels / z channels) and so the resolution, attention
     * resolutions from the levels that have {@code attn} entries, the token channels from
     * {@code quant_layer}. GroupNorm groups and vae_norm are not in the weights (options).
     */
    public static TokenizerConfig infer(Map<String, long[]> shapes, String source, Options options) {
        long[] convIn = shape(shapes, "encoder.conv_in.weight", 4, source);
        int ch = (int) convIn[0], inChannels = (int) convIn[1];
        int levels = count(shapes, DOWN_LEVEL);
        int numResBlocks = count(shapes, LEVEL0_BLOCK);
        if (levels == 0 || numResBlocks == 0) {
            throw new IllegalArgumentException(source + ": no encoder.down.N.block.M.* keys: not a tokenizer state_dict");
        }
        int[] chMult = new int[levels];
        for (int i = 0; i < levels; i++) {
            long out = shape(shapes, "encoder.down." + i + ".block.0.conv1.weight", 4, source)[0];
            if (out % ch != 0) {
                throw new IllegalArgumentException(source + ": level " + i + " has " + out
                        + " channels, not a multiple of conv_in's " + ch);
            }
            chMult[i] = (int) (out / ch);
        }
        int zChannels = (int) shape(shapes, "encoder.conv_out.weight", 4, source)[0];
        long post = shape(shapes, "encoder.encoder1d.weight", 3, source)[0];
        if (post % zChannels != 0) {
            throw new IllegalArgumentException(source + ": encoder1d has " + post + " channels, not a multiple of the "
                    + zChannels + " z channels");
        }
        int resolution = (int) (post / zChannels) << (levels - 1);
        if (options.resolution() != null && options.resolution() != resolution) {
            throw new IllegalArgumentException(source + ": the shapes imply " + resolution + "-pixel-high images (latent height "
                    + post / zChannels + ", " + (levels - 1) + " downsamplings), not the requested " + options.resolution());
        }
        TreeSet<Integer> attn = new TreeSet<>();
        for (String k : shapes.keySet()) {
            Matcher m = ATTN_LEVEL.matcher(k);
            if (m.find()) {
                attn.add(resolution >> Integer.parseInt(m.group(1)));
            }
        }
        int embedDim = (int) shape(shapes, "quant_layer.weight", 3, source)[0];
        try {
            return new TokenizerConfig(resolution, inChannels, ch, chMult, numResBlocks,
                    attn.descendingSet().stream().mapToInt(Integer::intValue).toArray(), zChannels, embedDim,
                    options.groups() != null ? options.groups() : AUTHORS_GROUPS, AUTHORS_STD,
                    options.vaeNorm() != null ? options.vaeNorm() : AUTHORS_VAE_NORM);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": the shapes give an invalid " + e.getMessage()
                    + " (for GroupNorm group counts other than " + AUTHORS_GROUPS + " pass groups)", e);
        }
    }

    private static TokenizerConfig fromPreset(Options o, String source) {
        TokenizerConfig p = TokenizerConfig.preset(o.preset());
        if (o.resolution() != null && o.resolution() != p.resolution()) {
            throw new IllegalArgumentException(source + ": preset " + o.preset() + " has resolution " + p.resolution()
                    + ", not the requested " + o.resolution());
        }
        return new TokenizerConfig(p.resolution(), p.inChannels(), p.ch(), p.chMult(), p.numResBlocks(),
                p.attnResolutions(), p.zChannels(), p.embedDim(), o.groups() != null ? o.groups() : p.groups(), p.std(),
                o.vaeNorm() != null ? o.vaeNorm() : p.vaeNorm());
    }

    /** A short description for reports: "256px, ch 128 x [1,1,2,4,4], 2 blocks, attn [16], z 256, 256-channel tokens". */
    public static String describe(TokenizerConfig c) {
        return c.resolution() + "px, ch " + c.ch() + " x " + java.util.Arrays.toString(c.chMult()) + ", "
                + c.numResBlocks() + " res blocks, attn at " + java.util.Arrays.toString(c.attnResolutions()) + ", z "
                + c.zChannels() + ", " + c.embedDim() + "-channel tokens, " + c.groups() + " groups";
    }

    private static Map<String, TensorRef> withoutSemantic(Map<String, TensorRef> m) {
        Map<String, TensorRef> out = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (!k.startsWith(SEMANTIC)) {
                out.put(k, v);
            }
        });
        return out;
    }

    private static long[] shape(Map<String, long[]> shapes, String key, int rank, String source) {
        return ShapeReport.require(shapes, key, rank, source, "a tokenizer state_dict of the authors' layout");
    }

    private static int count(Map<String, long[]> shapes, Pattern p) {
        return ShapeReport.countIndices(shapes, p);
    }
}
