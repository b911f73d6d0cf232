package eim.model.tokenizer;

import static eim.tasks.testing.KernelHarness.devices;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import eim.tasks.Device;
import eim.tasks.testing.Golden;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The tiny tokenizer against scripts/golden/tokenizer_golden.py, a plain-torch port of the authors'
 * modules under their state_dict keys, with the same formula weights on both sides.
 */
class TokenizerGoldenTest {
    static final Golden GOLD = Golden.load("tokenizer_golden");

    /** Same as formula_weights in the script: parameter k in sorted-name order, element i. */
    static void formulaWeights(TokenizerParameters p) {
        List<String> names = p.names().stream().sorted().toList();
        for (int k = 0; k < names.size(); k++) {
            var e = p.get(names.get(k));
            float[] v = e.value().array();
            int fanIn = v.length / e.shape()[0];
            boolean norm = e.name().contains(".norm"), weight = e.name().endsWith("weight");
            for (int i = 0; i < v.length; i++) {
                double s = Math.sin(0.37 * i + 1.1 * k + 0.5);
                v[i] = (float) (norm ? (weight ? 1 + 0.2 * s : 0.2 * s) : (weight ? s / Math.sqrt(fanIn) : 0.1 * s));
            }
        }
    }

    @Test
    void parameterNamesAndShapesAreTheAuthors() {
        try (Tokenizer t = new Tokenizer(TokenizerConfig.preset("tiny"), devices().getFirst(), 0)) {
            Set<String> expected = GOLD.keys().stream().filter(k -> k.startsWith("shape/"))
                    .map(k -> k.substring("shape/".length())).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(expected, new TreeSet<>(t.parameters().names()));
            for (String name : expected) {
                assertArrayEquals(GOLD.ints("shape/" + name), t.parameters().get(name).shape(), name);
            }
        }
    }

    @Test
    void encoderAndDecoderMatchPyTorch() {
        for (Device d : devices()) {
            try (Tokenizer t = new Tokenizer(TokenizerConfig.preset("tiny"), d, 0)) {
                formulaWeights(t.parameters());
                String at = d.name() + " ";
                GOLD.assertMatches(at + "tokens", t.encode(GOLD.f("image"), 2, 16), "tokens", 1e-4);
                GOLD.assertMatches(at + "recon", t.decode(GOLD.f("tokens"), 2, 8), "recon", 1e-4);
                // width is free: 3x the trained width, 24 tokens
                GOLD.assertMatches(at + "wide tokens", t.encode(GOLD.f("wide_image"), 1, 48), "wide_tokens", 1e-4);
                GOLD.assertMatches(at + "wide recon", t.decode(GOLD.f("wide_tokens"), 1, 24), "wide_recon", 1e-4);
            }
        }
    }

    @Test
    void presetsHaveTheDocumentedSizes() {
        TokenizerConfig official = TokenizerConfig.preset("official");
        assertEquals(16, official.scale());
        assertEquals(4096, official.postChannels());
        assertEquals(16, official.tokensForWidth(256));
        assertEquals(128, official.tokensForWidth(2048));
        for (String name : TokenizerConfig.presetNames()) {
            TokenizerConfig c = TokenizerConfig.preset(name);
            assertEquals(c, TokenizerConfig.fromMetadata(c.toMetadata(), "test"), name);
        }
        assertEquals(16, TokenizerConfig.preset("small").tokensForWidth(64));
        assertEquals(16, TokenizerConfig.preset("mini").tokensForWidth(32));
        assertEquals(List.of(16, 16), Arrays.stream(new int[] {TokenizerConfig.preset("small").latentHeight(),
                TokenizerConfig.preset("mini").latentHeight()}).boxed().toList());
    }
}
