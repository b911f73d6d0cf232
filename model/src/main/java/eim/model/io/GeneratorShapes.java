package eim.model.io;

import eim.model.generator.GeneratorConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The authors' generator state_dict layout (EquivariantGenerativeModel with its DiffLoss head):
 * the key names and shapes a {@link GeneratorConfig} implies, and the config a checkpoint's
 * shapes imply.
 */
public final class GeneratorShapes {
    /** Width of the head's sinusoidal timestep features (TimestepEmbedder frequency_embedding_size). */
    public static final int TIME_FEATURES = 256;
    private static final Pattern BLOCK = Pattern.compile("^encoder_blocks\\.(\\d+)\\.");
    private static final Pattern HEAD_BLOCK = Pattern.compile("^diffloss\\.net\\.res_blocks\\.(\\d+)\\.");

    private GeneratorShapes() {}

    /** Every state_dict key of the authors' model for {@code c}, with its shape, in state_dict order. */
    public static Map<String, long[]> expected(GeneratorConfig c) {
        long d = c.width();
        long w = c.headWidth();
        long ch = c.tokenChannels();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("fake_latent", new long[] {1, d});
        m.put("encoder_pos_embed_learned", new long[] {1, c.bufferSize(), d});
        m.put("class_emb.weight", new long[] {c.numClasses(), d});
        linear(m, "z_proj", d, ch);
        norm(m, "z_proj_ln", d);
        for (int i = 0; i < c.depth(); i++) {
            String b = "encoder_blocks." + i + ".";
            norm(m, b + "norm1", d);
            linear(m, b + "attn.qkv", 3 * d, d);
            linear(m, b + "attn.proj", d, d);
            norm(m, b + "norm2", d);
            linear(m, b + "mlp.fc1", c.mlpHidden(), d);
            linear(m, b + "mlp.fc2", d, c.mlpHidden());
            linear(m, b + "attn2.qkv", d, d); // the cross-attention query projection keeps the name qkv
            linear(m, b + "attn2.proj", d, d);
            linear(m, b + "attn2.k", d, d);
            linear(m, b + "attn2.v", d, d);
            norm(m, b + "cross_norm", d);
            norm(m, b + "cross_cond_norm", d);
        }
        norm(m, "encoder_norm", d);
        String h = "diffloss.net.";
        linear(m, h + "time_embed.mlp.0", w, TIME_FEATURES);
        linear(m, h + "time_embed.mlp.2", w, w);
        linear(m, h + "cond_embed", w, d);
        linear(m, h + "input_proj", w, ch);
        for (int i = 0; i < c.headDepth(); i++) {
            String r = h + "res_blocks." + i + ".";
            norm(m, r + "in_ln", w);
            linear(m, r + "mlp.0", w, w);
            linear(m, r + "mlp.2", w, w);
            linear(m, r + "adaLN_modulation.1", 3 * w, w);
        }
        linear(m, h + "final_layer.linear", ch, w);
        linear(m, h + "final_layer.adaLN_modulation.1", 2 * w, w);
        return m;
    }

    private static void linear(Map<String, long[]> m, String name, long out, long in) {
        m.put(name + ".weight", new long[] {out, in});
        m.put(name + ".bias", new long[] {out});
    }

    private static void norm(Map<String, long[]> m, String name, long d) {
        m.put(name + ".weight", new long[] {d});
        m.put(name + ".bias", new long[] {d});
    }

    /** {@link #infer(Map, String, int, int)} with the authors' head count ({@link #defaultHeads}) and window 3. */
    public static GeneratorConfig infer(Map<String, long[]> shapes, String source) {
        return infer(shapes, source, defaultHeads(shapes, source), 3);
    }

    /**
     * The authors' head count for a generator of this width: 16 for H (width 1280, whose heads are
     * 80 wide), width/64 for the others (S 8, B 12, L 16).
     */
    public static int defaultHeads(Map<String, long[]> shapes, String source) {
        long width = shape(shapes, "z_proj.weight", 2, source)[0];
        if (width == 1280) {
            return 16;
        }
        if (width % 64 != 0) {
            throw new IllegalArgumentException(source + ": width " + width
                    + " is not a multiple of 64, so the head count cannot default to width/64: give it explicitly");
        }
        return (int) (width / 64);
    }

    /**
     * The sizes a generator state_dict's shapes imply: width and token channels from
     * {@code z_proj.weight}, depth from the {@code encoder_blocks.N} count, buffer size from
     * {@code encoder_pos_embed_learned}, classes from {@code class_emb.weight}, MLP ratio from
     * {@code mlp.fc1}, head width and depth from {@code diffloss.net.*}. Heads and window are not
     * in the weights; everything else takes the authors' training defaults. The result is checked
     * against every shape, so a checkpoint of another layout fails here with a {@link ShapeReport}.
     */
    public static GeneratorConfig infer(Map<String, long[]> shapes, String source, int heads, int window) {
        long[] zProj = shape(shapes, "z_proj.weight", 2, source);
        long width = zProj[0];
        long tokenChannels = zProj[1];
        int depth = count(shapes, BLOCK);
        int headDepth = count(shapes, HEAD_BLOCK);
        if (depth == 0) {
            throw new IllegalArgumentException(source + ": no encoder_blocks.N.* keys: not a generator state_dict");
        }
        long buffer = shape(shapes, "encoder_pos_embed_learned", 3, source)[1];
        long classes = shape(shapes, "class_emb.weight", 2, source)[0];
        long hidden = shape(shapes, "encoder_blocks.0.mlp.fc1.weight", 2, source)[0];
        long headWidth = shape(shapes, "diffloss.net.input_proj.weight", 2, source)[0];
        if (hidden % width != 0) {
            throw new IllegalArgumentException(source + ": MLP hidden width " + hidden + " is not a multiple of the width " + width);
        }
        GeneratorConfig c;
        try {
            c = new GeneratorConfig((int) tokenChannels, (int) width, depth, heads, (int) (hidden / width), (int) buffer,
                    window, 16, (int) classes, 0.1f, 0.1f, 0.1f, (int) headWidth, headDepth, 4, 16, 10000f);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": the shapes give an invalid " + e.getMessage(), e);
        }
        ShapeReport.compare(source + " vs the sizes inferred from it", expected(c), shapes).requireOk();
        return c;
    }

    private static long[] shape(Map<String, long[]> shapes, String key, int rank, String source) {
        return ShapeReport.require(shapes, key, rank, source, "a generator state_dict");
    }

    private static int count(Map<String, long[]> shapes, Pattern p) {
        return ShapeReport.countIndices(shapes, p);
    }
}
