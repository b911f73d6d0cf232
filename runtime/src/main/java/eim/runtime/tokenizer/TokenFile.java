package eim.runtime.tokenizer;

import eim.model.tokenizer.TokenizerConfig;
import eim.tasks.io.SafeTensors;
import eim.tasks.io.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tokens of N images as one safetensors file: tensor {@code tokens} (N, L, embed), sequence-major
 * as the generator reads them, multiplied by vaeNorm when {@code scaled}; metadata holds the
 * tokenizer config, the factor and the source file names (one per line).
 */
public record TokenFile(float[] tokens, int count, int length, int channels, boolean scaled, float vaeNorm,
                        TokenizerConfig config, List<String> sources) {

    public static final String KIND = "eim-tokens";

    public void write(Path file) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        config.toMetadata().forEach((k, v) -> meta.put("tokenizer." + k, v));
        meta.put("kind", KIND);
        meta.put("scaled", "" + scaled);
        meta.put("vae_norm", "" + vaeNorm);
        meta.put("sources", String.join("\n", sources));
        SafeTensors.write(file, Map.of("tokens", Tensor.of(tokens, count, length, channels)), meta);
    }

    public static TokenFile read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such token file");
        }
        SafeTensors.Contents c = SafeTensors.read(file);
        if (!KIND.equals(c.metadata().get("kind"))) {
            throw new IllegalArgumentException(file + ": not a token file (metadata kind is "
                    + c.metadata().get("kind") + ", expected " + KIND + "; make one with 'tokenize')");
        }
        Tensor t = c.tensors().get("tokens");
        if (t == null || t.shape().length != 3) {
            throw new IllegalArgumentException(file + ": expected a tensor 'tokens' of shape (N, L, channels)");
        }
        Map<String, String> cfg = new LinkedHashMap<>();
        c.metadata().forEach((k, v) -> {
            if (k.startsWith("tokenizer.")) {
                cfg.put(k.substring("tokenizer.".length()), v);
            }
        });
        String sources = c.metadata().getOrDefault("sources", "");
        return new TokenFile(t.floats(), (int) t.shape()[0], (int) t.shape()[1], (int) t.shape()[2],
                Boolean.parseBoolean(c.metadata().getOrDefault("scaled", "false")),
                Float.parseFloat(c.metadata().getOrDefault("vae_norm", "1")),
                TokenizerConfig.fromMetadata(cfg, file.toString()), sources.isEmpty() ? List.of() : List.of(sources.split("\n")));
    }

    /** Item {@code i}'s tokens (L, channels), divided by vaeNorm when scaled, ready for Tokenizer.decode. */
    public float[] unscaled(int i) {
        float[] out = java.util.Arrays.copyOfRange(tokens, i * length * channels, (i + 1) * length * channels);
        if (scaled) {
            for (int k = 0; k < out.length; k++) {
                out[k] /= vaeNorm;
            }
        }
        return out;
    }
}
