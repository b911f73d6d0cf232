package eim.model.generator;

import static eim.tasks.testing.KernelHarness.assertClose;

import eim.model.Parameters;
import eim.tasks.Device;
import eim.tasks.io.Tensor;
import eim.tasks.testing.Golden;
import eim.tasks.testing.KernelHarness;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * llm.c-style check against PyTorch (scripts/golden/generator_golden.py, a plain-PyTorch port of
 * the authors' model): conditioning vectors, loss and every parameter gradient for one batch with
 * fixed noise, t, label-drop mask and RoPE shift; and sampled tokens for fixed noise with guidance.
 */
class GeneratorGoldenTest {

    static GeneratorConfig config(String golden) {
        return GeneratorConfig.fromMetadata(Golden.load(golden).metadata(), golden);
    }

    /** A model with the golden file's parameters. */
    static EquivariantGenerator model(Golden g, GeneratorConfig cfg) {
        EquivariantGenerator m = new EquivariantGenerator(cfg);
        Map<String, Tensor> t = new java.util.LinkedHashMap<>();
        for (String k : g.keys()) {
            if (k.startsWith("param.")) {
                t.put(k, g.tensor(k));
            }
        }
        m.params.load(t, "param.", "golden");
        return m;
    }

    static TrainingPass.Batch batch(Golden g) {
        return new TrainingPass.Batch(g.f("tokens"), g.ints("labels"), g.ints("drop_mask"), g.integer("shift"),
                g.f("noise"), g.f("t"), 0);
    }

    @Test
    void lossConditionsAndEveryGradientMatchPyTorch() throws Exception {
        for (Device dev : KernelHarness.devices()) {
            Golden g = Golden.load("generator_train");
            GeneratorConfig cfg = config("generator_train");
            EquivariantGenerator m = model(g, cfg);
            int b = g.ints("labels").length;
            try (TrainingPass pass = m.trainingPass(dev, b, cfg.seqLen())) {
                float loss = pass.forward(batch(g));
                assertClose(dev.name() + " conditions z", pass.conditions(), g.f("z"), 1e-4);
                assertClose(dev.name() + " loss", new float[] {loss}, g.f("loss"), 1e-5);
                pass.backward();
                pass.gradientsToHost();
                for (Parameters.Param p : m.params.all()) {
                    assertClose(dev.name() + " grad." + p.name(), p.grad().array(), g.f("grad." + p.name()), 1e-3);
                }
            }
        }
    }

    @Test
    void sampledTokensMatchThePyTorchSampler() throws Exception {
        Golden g = Golden.load("generator_sample");
        GeneratorConfig cfg = config("generator_sample");
        EquivariantGenerator m = model(g, cfg);
        int steps = Integer.parseInt(g.metadata().get("flow_steps"));
        for (String c : List.of("L6", "L9", "L6_nocfg")) {
            String p = "sample_" + c + "_";
            int[] labels = g.ints(p + "labels");
            Tensor noise = g.tensor(p + "noise"); // (L, B, C)
            int len = noise.dim(0);
            float[] nv = noise.floats();
            Sampler.NoiseSource src = (step, bb, ch) -> java.util.Arrays.copyOfRange(nv, step * bb * ch, (step + 1) * bb * ch);
            for (Sampler.Mode mode : Sampler.Mode.values()) {
                try (Sampler s = new Sampler(m, KernelHarness.java(), mode, labels.length, len, g.scalar(p + "cfg"), steps)) {
                    assertClose(c + " " + mode, s.sample(labels, src, null), g.f(p + "tokens"), 1e-4);
                }
            }
        }
    }
}
