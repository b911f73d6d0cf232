package eim.model.tokenizer;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Every size of the column-wise tokenizer (authors' {@code EquivariantTokenizerEncoder1D/Decoder1D}
 * with the {@code quant_layer}/{@code post_quant_layer} of {@code EquivariantTokenizer}).
 *
 * @param resolution       training image height (and width) in pixels; images may be any width
 *                         that is a multiple of {@link #scale()}, but their height must be this
 * @param inChannels       image channels (3)
 * @param ch               base channel count
 * @param chMult           channel multiplier per level; levels - 1 downsamplings by 2 in both axes
 * @param numResBlocks     ResnetBlocks per encoder level (the decoder has one more per level)
 * @param attnResolutions  feature-map heights (as built for {@code resolution}) that get an AttnBlock after every ResnetBlock
 * @param zChannels        channels of the last feature map before columnization
 * @param embedDim         channels of one token
 * @param groups           GroupNorm groups (the authors' Normalize uses 32; tiny presets use fewer)
 * @param std              posterior noise: per-sample std ~ N(0, (std/0.8)²) clamped to ±std
 * @param vaeNorm          factor the generator's latents are multiplied by (tokens · vaeNorm)
 */
public record TokenizerConfig(int resolution, int inChannels, int ch, int[] chMult, int numResBlocks,
                              int[] attnResolutions, int zChannels, int embedDim, int groups, float std,
                              float vaeNorm) {

    /** GroupNorm epsilon of the authors' Normalize. */
    public static final float GROUP_NORM_EPS = 1e-6f;

    public TokenizerConfig {
        chMult = chMult.clone();
        attnResolutions = attnResolutions.clone();
        require(chMult.length >= 1, "chMult needs at least one level");
        require(resolution > 0 && inChannels > 0 && ch > 0 && numResBlocks > 0 && zChannels > 0 && embedDim > 0,
                "sizes must be > 0");
        require(resolution % (1 << (chMult.length - 1)) == 0,
                "resolution " + resolution + " must be divisible by the scale factor " + (1 << (chMult.length - 1)));
        require(resolution >> (chMult.length - 1) >= 2, "the latent height must be at least 2 (reflect padding)");
        for (int m : chMult) {
            int c = ch * m;
            require(m > 0 && c % groups == 0, "channels " + c + " (ch " + ch + " x " + m + ") must be a multiple of "
                    + "groups " + groups);
            require(c % 4 == 0, "channels " + c + " must be divisible by 4 (shuffle resampling)");
        }
        require(std >= 0, "std must be >= 0");
        require(vaeNorm > 0, "vaeNorm must be > 0");
    }

    private static void require(boolean ok, String msg) {
        if (!ok) {
            throw new IllegalArgumentException("tokenizer config: " + msg);
        }
    }

    public int levels() {
        return chMult.length;
    }

    /** Pixels per token along the width (and the height reduction): 2^(levels-1). */
    public int scale() {
        return 1 << (levels() - 1);
    }

    /** Height of the last feature map, = rows folded into each column token. */
    public int latentHeight() {
        return resolution / scale();
    }

    /** Channels of a columnized feature map: zChannels · latentHeight (authors' post_channels). */
    public int postChannels() {
        return zChannels * latentHeight();
    }

    /** Tokens of an image {@code width} pixels wide. */
    public int tokensForWidth(int width) {
        if (width % scale() != 0 || width / scale() < 2) {
            throw new IllegalArgumentException("image width " + width + " must be a multiple of " + scale()
                    + " giving at least 2 tokens");
        }
        return width / scale();
    }

    public boolean attentionAt(int featureHeight) {
        return Arrays.stream(attnResolutions).anyMatch(r -> r == featureHeight);
    }

    /** Named presets: official (the paper's), small and mini for CPUs, tiny for tests. */
    public static TokenizerConfig preset(String name) {
        return switch (name.toLowerCase()) {
            // 256x256 -> 16 tokens x 256 channels, post_channels 4096
            case "official" -> new TokenizerConfig(256, 3, 128, new int[] {1, 1, 2, 4, 4}, 2, new int[] {16}, 256,
                    256, 32, 2.5f, 0.05493f);
            // 64x64 -> 16 tokens x 32 channels
            case "small" -> new TokenizerConfig(64, 3, 32, new int[] {1, 2, 2}, 2, new int[] {16}, 16, 32, 32,
                    2.5f, 0.05493f);
            // 32x32 -> 16 tokens x 16 channels
            case "mini" -> new TokenizerConfig(32, 3, 16, new int[] {1, 2}, 1, new int[] {16}, 8, 16, 8, 2.5f,
                    0.05493f);
            // 16x16 -> 8 tokens x 8 channels, for tests
            case "tiny" -> new TokenizerConfig(16, 3, 8, new int[] {1, 2}, 1, new int[] {8}, 4, 8, 4, 2.5f, 0.05493f);
            default -> throw new IllegalArgumentException("unknown tokenizer preset '" + name
                    + "': expected official, small, mini or tiny");
        };
    }

    public static List<String> presetNames() {
        return List.of("official", "small", "mini", "tiny");
    }

    /** As string metadata for checkpoints. */
    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("kind", "eim-tokenizer");
        m.put("resolution", "" + resolution);
        m.put("in_channels", "" + inChannels);
        m.put("ch", "" + ch);
        m.put("ch_mult", join(chMult));
        m.put("num_res_blocks", "" + numResBlocks);
        m.put("attn_resolutions", join(attnResolutions));
        m.put("z_channels", "" + zChannels);
        m.put("embed_dim", "" + embedDim);
        m.put("groups", "" + groups);
        m.put("std", "" + std);
        m.put("vae_norm", "" + vaeNorm);
        return m;
    }

    /** Reads {@link #toMetadata()} back, naming the file and the missing or malformed field. */
    public static TokenizerConfig fromMetadata(Map<String, String> m, String source) {
        String kind = m.get("kind");
        if (!"eim-tokenizer".equals(kind)) {
            throw new IllegalArgumentException(source + ": not a tokenizer checkpoint (metadata kind is "
                    + (kind == null ? "missing" : "'" + kind + "'") + ", expected 'eim-tokenizer')");
        }
        try {
            return new TokenizerConfig(i(m, "resolution", source), i(m, "in_channels", source), i(m, "ch", source),
                    ints(m, "ch_mult", source), i(m, "num_res_blocks", source), ints(m, "attn_resolutions", source),
                    i(m, "z_channels", source), i(m, "embed_dim", source), i(m, "groups", source),
                    Float.parseFloat(field(m, "std", source)), Float.parseFloat(field(m, "vae_norm", source)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + ": malformed tokenizer config metadata: " + e.getMessage());
        }
    }

    private static String join(int[] v) {
        return Arrays.stream(v).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    private static String field(Map<String, String> m, String k, String src) {
        String v = m.get(k);
        if (v == null) {
            throw new IllegalArgumentException(src + ": tokenizer config metadata lacks '" + k + "'");
        }
        return v.trim();
    }

    private static int i(Map<String, String> m, String k, String src) {
        return Integer.parseInt(field(m, k, src));
    }

    private static int[] ints(Map<String, String> m, String k, String src) {
        String v = field(m, k, src);
        return v.isEmpty() ? new int[0] : Arrays.stream(v.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenizerConfig c && toMetadata().equals(c.toMetadata());
    }

    @Override
    public int hashCode() {
        return toMetadata().hashCode();
    }

    @Override
    public String toString() {
        return "TokenizerConfig" + toMetadata();
    }

    @Override
    public int[] chMult() {
        return chMult.clone();
    }

    @Override
    public int[] attnResolutions() {
        return attnResolutions.clone();
    }
}
