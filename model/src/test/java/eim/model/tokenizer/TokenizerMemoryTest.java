package eim.model.tokenizer;

import static eim.tasks.testing.KernelHarness.java;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Inference networks recycle activation buffers; training ones keep every activation for backward. */
class TokenizerMemoryTest {
    static final TokenizerConfig SMALL = TokenizerConfig.preset("small");

    @Test
    void inferenceDecoderHoldsAFewActivationsOfTheLargestLevel() {
        int tokens = 16;
        try (Tokenizer t = new Tokenizer(SMALL, java(), 1)) {
            // the last upsample's output, (ch·chMult[1], resolution, width), is the largest activation
            long largest = (long) SMALL.ch() * SMALL.chMult()[1] * SMALL.resolution() * SMALL.scale() * tokens;
            long inference = t.decoder(1, tokens, false).activationFloats();
            long training = t.decoder(1, tokens, true).activationFloats();
            assertTrue(inference <= 6 * largest, "inference decoder holds " + inference + " floats, largest activation "
                    + largest);
            // training keeps values and gradients of every activation
            assertTrue(training > 5 * inference, "training " + training + " vs inference " + inference);
        }
    }

    @Test
    void recycledBuffersDoNotLeakBetweenRuns() {
        TokenizerConfig tiny = TokenizerConfig.preset("tiny");
        try (Tokenizer t = new Tokenizer(tiny, java(), 2)) {
            float[] a = TokenizerGradientTest.randn(8 * tiny.embedDim(), 1), b = TokenizerGradientTest.randn(a.length, 2);
            float[] first = t.decode(a, 1, 8);
            t.decode(b, 1, 8);
            assertArrayEquals(first, t.decode(a, 1, 8));
            float[] image = TokenizerGradientTest.randn(3 * 16 * 16, 3);
            float[] tokens = t.encode(image, 1, 16);
            t.encode(TokenizerGradientTest.randn(image.length, 4), 1, 16);
            assertArrayEquals(tokens, t.encode(image, 1, 16));
        }
    }
}
