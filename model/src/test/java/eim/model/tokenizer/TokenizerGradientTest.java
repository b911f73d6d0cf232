package eim.model.tokenizer;

import static eim.tasks.testing.KernelHarness.assertClose;
import static eim.tasks.testing.KernelHarness.java;
import static eim.tasks.testing.KernelHarness.tornado;

import eim.tasks.Device;
import eim.tasks.testing.GradCheck;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/** Whole-network backward of the tiny tokenizer: finite differences and tornado-vs-java parity. */
class TokenizerGradientTest {
    static final TokenizerConfig TINY = TokenizerConfig.preset("tiny");
    static final int B = 2, WIDTH = 16, TOKENS = 8;

    static float[] randn(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    /** Runs forward and backward of net for loss Σ output·g; returns the loss as a supplier for finite differences. */
    static DoubleSupplier lossOf(Tokenizer t, Network net, float[] input, float[] g) {
        net.input().copyFrom(input);
        net.forward();
        net.outputGrad().copyFrom(g);
        net.backward();
        net.gradientsToHost();
        return () -> {
            t.parametersChanged();
            net.forward();
            return GradCheck.weightedSum(net.output().array(), g);
        };
    }

    @Test
    void encoderGradientsMatchFiniteDifferences() {
        try (Tokenizer t = new Tokenizer(TINY, java(), 3)) {
            Network enc = t.encoder(B, WIDTH, true);
            float[] image = randn(enc.input().size(), 4), g = randn(enc.output().size(), 5);
            DoubleSupplier loss = lossOf(t, enc, image, g);
            for (String name : new String[] {"encoder.conv_in.weight", "encoder.down.0.block.0.norm1.weight",
                    "encoder.down.0.downsample.conv.conv.weight", "encoder.down.1.block.0.nin_shortcut.weight",
                    "encoder.down.1.attn.0.k.weight", "encoder.mid.attn_1.q.bias", "encoder.norm_out.bias",
                    "encoder.encoder1d.weight", "quant_layer.bias"}) {
                var p = t.parameters().get(name);
                GradCheck.check(name, loss, p.value().array(), p.grad().array().clone(), 6, 1e-2f, 1e-2);
            }
        }
    }

    @Test
    void decoderGradientsMatchFiniteDifferences() {
        try (Tokenizer t = new Tokenizer(TINY, java(), 3)) {
            Network dec = t.decoder(B, TOKENS, true);
            float[] latent = randn(dec.input().size(), 6), g = randn(dec.output().size(), 7);
            DoubleSupplier loss = lossOf(t, dec, latent, g);
            float[] dLatent = dec.inputGrad().array().clone();
            for (String name : new String[] {"post_quant_layer.weight", "decoder.decoder1d.bias",
                    "decoder.mid.attn_1.proj_out.weight", "decoder.up.1.attn.1.v.weight",
                    "decoder.up.1.upsample.conv.conv.weight", "decoder.up.0.block.0.nin_shortcut.bias",
                    "decoder.up.0.block.1.norm2.weight", "decoder.conv_out.weight"}) {
                var p = t.parameters().get(name);
                GradCheck.check(name, loss, p.value().array(), p.grad().array().clone(), 6, 1e-2f, 1e-2);
            }
            GradCheck.check("latent", () -> {
                dec.input().copyFrom(latent);
                return loss.getAsDouble();
            }, latent, dLatent, 12, 1e-2f, 1e-2);
        }
    }

    @Test
    void backwardAgreesOnEveryBackend() {
        Device[] devices = {java(), tornado()};
        float[][] grads = new float[devices.length][];
        float[][] dLatent = new float[devices.length][];
        for (int k = 0; k < devices.length; k++) {
            try (Tokenizer t = new Tokenizer(TINY, devices[k], 3)) {
                Network enc = t.encoder(B, WIDTH, true), dec = t.decoder(B, TOKENS, true);
                lossOf(t, enc, randn(enc.input().size(), 8), randn(enc.output().size(), 9));
                lossOf(t, dec, randn(dec.input().size(), 10), randn(dec.output().size(), 11));
                grads[k] = t.parameters().entries().stream().flatMap(e -> java.util.stream.Stream.of(e.grad().array()))
                        .reduce(new float[0], TokenizerGradientTest::concat);
                dLatent[k] = dec.inputGrad().array().clone();
            }
        }
        for (int k = 1; k < devices.length; k++) {
            assertClose(devices[k].name() + " parameter gradients", grads[k], grads[0], 1e-4);
            assertClose(devices[k].name() + " latent gradient", dLatent[k], dLatent[0], 1e-4);
        }
    }

    static float[] concat(float[] a, float[] b) {
        float[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
