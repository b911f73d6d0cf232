package eim.model.generator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every size and hyper-parameter of the equivariant generator (authors' EquivariantGenerativeModel).
 *
 * @param tokenChannels   channels of one column token (vae_embed_dim)
 * @param width           transformer width D (encoder_embed_dim)
 * @param depth           number of blocks (encoder_depth + decoder_depth)
 * @param heads           attention heads (D must divide)
 * @param mlpRatio        MLP hidden = mlpRatio * D
 * @param bufferSize      class buffer positions S
 * @param window          ω = cond_length: token i attends to i-ω..i (0 = full causal, as the authors' code)
 * @param shiftRange      RoPE position shift drawn in [0, shiftRange) per training forward
 * @param numClasses      class count
 * @param labelDropProb   probability of replacing the class by the null class in training
 * @param attnDropout     attention-probability dropout in training
 * @param projDropout     projection dropout in training
 * @param headWidth       flow head width (diffloss_w)
 * @param headDepth       flow head residual blocks (diffloss_d)
 * @param diffusionBatchMul repeats of each (condition, target) pair in the loss
 * @param seqLen          training sequence length (tokens per image); sampling may use any length
 * @param ropeBase        RoPE base (10000)
 */
public record GeneratorConfig(int tokenChannels, int width, int depth, int heads, int mlpRatio, int bufferSize,
                              int window, int shiftRange, int numClasses, float labelDropProb, float attnDropout,
                              float projDropout, int headWidth, int headDepth, int diffusionBatchMul, int seqLen,
                              float ropeBase) {

    public GeneratorConfig {
        require(tokenChannels > 0, "tokenChannels must be > 0");
        require(width > 0 && heads > 0 && width % heads == 0, "width (" + width + ") must be a multiple of heads (" + heads + ")");
        require((width / heads) % 2 == 0, "head dimension width/heads must be even for RoPE");
        require(depth > 0, "depth must be > 0");
        require(mlpRatio > 0, "mlpRatio must be > 0");
        require(bufferSize > 0, "bufferSize must be > 0");
        require(window >= 0, "window must be >= 0 (0 = full causal)");
        require(shiftRange >= 1, "shiftRange must be >= 1");
        require(numClasses > 0, "numClasses must be > 0");
        require(labelDropProb >= 0 && labelDropProb < 1, "labelDropProb must be in [0,1)");
        require(attnDropout >= 0 && attnDropout < 1, "attnDropout must be in [0,1)");
        require(projDropout >= 0 && projDropout < 1, "projDropout must be in [0,1)");
        require(headWidth > 0 && headDepth > 0, "head width and depth must be > 0");
        require(diffusionBatchMul > 0, "diffusionBatchMul must be > 0");
        require(seqLen > 0, "seqLen must be > 0");
    }

    private static void require(boolean ok, String msg) {
        if (!ok) {
            throw new IllegalArgumentException("generator config: " + msg);
        }
    }

    public int headDim() {
        return width / heads;
    }

    public int mlpHidden() {
        return mlpRatio * width;
    }

    /** Window in the kernels' convention: -1 = unbounded causal. */
    public int kernelWindow() {
        return window == 0 ? -1 : window;
    }

    /** Defaults shared by every preset: the paper's training recipe. */
    private static GeneratorConfig preset(int width, int depth, int heads, int headWidth, int headDepth) {
        return new GeneratorConfig(16, width, depth, heads, 4, 16, 3, 16, 1000, 0.1f, 0.1f, 0.1f, headWidth,
                headDepth, 4, 16, 10000f);
    }

    /** Presets: tiny and small for CPU, S/B/L/H as in the paper. */
    public static GeneratorConfig preset(String name) {
        return switch (name.toLowerCase()) {
            case "tiny" -> preset(256, 8, 4, 256, 3);
            case "small" -> preset(512, 16, 8, 512, 6);
            case "s" -> preset(512, 16, 8, 960, 12).withTokenChannels(256);
            case "b" -> preset(768, 24, 12, 1024, 12).withTokenChannels(256);
            case "l" -> preset(1024, 32, 16, 1280, 12).withTokenChannels(256);
            case "h" -> preset(1280, 40, 16, 1536, 12).withTokenChannels(256);
            default -> throw new IllegalArgumentException("unknown generator preset '" + name
                    + "': expected tiny, small, S, B, L or H");
        };
    }

    public GeneratorConfig withTokenChannels(int c) {
        return new GeneratorConfig(c, width, depth, heads, mlpRatio, bufferSize, window, shiftRange, numClasses,
                labelDropProb, attnDropout, projDropout, headWidth, headDepth, diffusionBatchMul, seqLen, ropeBase);
    }

    public GeneratorConfig withClasses(int n) {
        return new GeneratorConfig(tokenChannels, width, depth, heads, mlpRatio, bufferSize, window, shiftRange, n,
                labelDropProb, attnDropout, projDropout, headWidth, headDepth, diffusionBatchMul, seqLen, ropeBase);
    }

    public GeneratorConfig withSeqLen(int n) {
        return new GeneratorConfig(tokenChannels, width, depth, heads, mlpRatio, bufferSize, window, shiftRange,
                numClasses, labelDropProb, attnDropout, projDropout, headWidth, headDepth, diffusionBatchMul, n, ropeBase);
    }

    public GeneratorConfig withDropouts(float label, float attn, float proj) {
        return new GeneratorConfig(tokenChannels, width, depth, heads, mlpRatio, bufferSize, window, shiftRange,
                numClasses, label, attn, proj, headWidth, headDepth, diffusionBatchMul, seqLen, ropeBase);
    }

    /** As string metadata for checkpoints. */
    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kind", "eim-generator");
        m.put("token_channels", "" + tokenChannels);
        m.put("width", "" + width);
        m.put("depth", "" + depth);
        m.put("heads", "" + heads);
        m.put("mlp_ratio", "" + mlpRatio);
        m.put("buffer_size", "" + bufferSize);
        m.put("window", "" + window);
        m.put("shift_range", "" + shiftRange);
        m.put("num_classes", "" + numClasses);
        m.put("label_drop_prob", "" + labelDropProb);
        m.put("attn_dropout", "" + attnDropout);
        m.put("proj_dropout", "" + projDropout);
        m.put("head_width", "" + headWidth);
        m.put("head_depth", "" + headDepth);
        m.put("diffusion_batch_mul", "" + diffusionBatchMul);
        m.put("seq_len", "" + seqLen);
        m.put("rope_base", "" + ropeBase);
        return m;
    }

    /** The longest training sequence a checkpoint's metadata may claim (sampling may still ask for more). */
    public static final int MAX_SEQ_LEN = 1 << 20;

    /** Reads {@link #toMetadata()} back, naming the missing or malformed field. */
    public static GeneratorConfig fromMetadata(Map<String, String> m, String source) {
        try {
            // the one size no tensor pins down; it sets sampling's default length, so bound it here
            if (i(m, "seq_len", source) > MAX_SEQ_LEN) {
                throw new IllegalArgumentException(source + ": generator config metadata says seq_len " + m.get("seq_len")
                        + ", more than the " + MAX_SEQ_LEN + " tokens any training run could use: the metadata is corrupt");
            }
            return new GeneratorConfig(i(m, "token_channels", source), i(m, "width", source), i(m, "depth", source),
                    i(m, "heads", source), i(m, "mlp_ratio", source), i(m, "buffer_size", source),
                    i(m, "window", source), i(m, "shift_range", source), i(m, "num_classes", source),
                    f(m, "label_drop_prob", source), f(m, "attn_dropout", source), f(m, "proj_dropout", source),
                    i(m, "head_width", source), i(m, "head_depth", source), i(m, "diffusion_batch_mul", source),
                    i(m, "seq_len", source), f(m, "rope_base", source));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + ": malformed generator config metadata: " + e.getMessage());
        }
    }

    private static int i(Map<String, String> m, String k, String src) {
        String v = m.get(k);
        if (v == null) {
            throw new IllegalArgumentException(src + ": generator config metadata lacks '" + k + "'");
        }
        return Integer.parseInt(v.trim());
    }

    private static float f(Map<String, String> m, String k, String src) {
        String v = m.get(k);
        if (v == null) {
            throw new IllegalArgumentException(src + ": generator config metadata lacks '" + k + "'");
        }
        return Float.parseFloat(v.trim());
    }
}
