package eim.runtime.demo;

import eim.runtime.data.panorama.PanoramaGenerator;
import eim.runtime.report.HtmlReport;
import eim.runtime.tokenizer.TokenizerTrainer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The text of out/report.html: what the paper's idea is, what each figure shows, the measured
 * figures (PSNR, steps, sampling speed), timings and the configuration. Collects the figures as the
 * pipeline produces them and renders the page at the end.
 */
final class DemoReport {
    private final DemoConfig c;
    private final Map<String, String> results = new LinkedHashMap<>();
    private String device = "?";
    private String tokenizerText = "", generatorText = "";
    private String samplesText = "", panoramaText = "";

    DemoReport(DemoConfig c) {
        this.c = c;
    }

    void device(String description) {
        device = description;
    }

    void tokenizer(TokenizerStage.Training t, TokenizerTrainer.Evaluation q) {
        results.put("tokenizer steps", t.steps() + trainedIn(t.seconds(), t.reused()));
        results.put("tokenizer held-out PSNR", String.format(Locale.ROOT, "%.2f dB (per-column mean-colour baseline %.2f dB, %d images)",
                q.psnr(), q.baselinePsnr(), q.images()));
        tokenizerText = String.format(Locale.ROOT, """
                Left of each pair a held-out panorama (never seen in training), right its reconstruction: encoded to
                %d-channel column tokens, one per %d-pixel-wide strip, and decoded again (EMA weights, posterior means).
                Held-out PSNR on centre crops: %.2f dB. The baseline a column tokenizer has to beat replaces every
                pixel column by its mean colour (what a token would carry if it only knew the average colour of its
                strip): %.2f dB.""", c.tokenizer().embedDim(), c.tokenizer().scale(), q.psnr(), q.baselinePsnr());
    }

    void generator(GeneratorStage.Training g, TokenizerStage.Tokens tokens) {
        results.put("generator parameters", String.format(Locale.ROOT, "%,d", g.parameters()));
        results.put("generator steps", g.steps() + trainedIn(g.seconds(), g.reused()));
        results.put("generator training windows", "" + tokens.sequences());
        results.put("vae_norm (1 / std of the training latents)", String.format(Locale.ROOT, "%.5g", tokens.vaeNorm()));
        generatorText = String.format(Locale.ROOT, """
                The generator learned from %d windows of %d tokens cut from the encoded training panoramas, with the
                tokens multiplied by vae_norm = %.4g (1 / their standard deviation, as LDM's scale factor) so that
                they have unit variance like the flow head's noise. As in the authors' recipe, every batch sees each
                window through a random one of %d views (random crops of the slightly enlarged panorama and their
                mirror images) and a fresh posterior sample, mean + s eps with s drawn per window up to %s.""",
                tokens.sequences(), c.tokensPerImage(), tokens.vaeNorm(), 2 * DemoConfig.VIEW_CROPS, c.tokenizer().std());
    }

    void samples(List<SamplingStage.Samples> grids, SamplingStage.Samples panoramas) {
        StringBuilder speeds = new StringBuilder();
        for (SamplingStage.Samples s : grids) {
            speeds.append(String.format(Locale.ROOT, "cfg %s: %.1f s for %d images (%.2f ms per token and image); ", s.guidance(),
                    s.seconds(), s.images().size(), s.millisPerToken()));
        }
        results.put("sampling speed", speeds.toString().replaceAll("; $", ""));
        results.put("panorama speed", String.format(Locale.ROOT, "%.1f s for %d panoramas of %d tokens (%.2f ms per token and image)",
                panoramas.seconds(), panoramas.images().size(), c.panoramaTokens(), panoramas.millisPerToken()));
        samplesText = String.format(Locale.ROOT, """
                Each row is one class (top to bottom: %s), %d samples per class, %d tokens each, %d Euler steps of the
                flow head per token. The grids share their noise, so the same cell differs only by the guidance scale.
                Classifier-free guidance mixes the class-conditional and the null-class velocities, v = v_null +
                s (v_class - v_null), with s rising linearly along the sequence to the given scale.""",
                String.join(", ", classNames()), c.samplesPerClass(), c.tokensPerImage(), c.flowSteps());
        panoramaText = String.format(Locale.ROOT, """
                One panorama per class (rows in the same order), %d tokens = %d times the training width, sampled
                left to right with the incremental sampler: each new token attends only to the last ω = %d tokens of
                every block and to the class buffer, so it costs the same at position 120 as at position 1 and memory
                does not grow. The generator never saw a sequence longer than %d tokens; that it continues the scene
                is the translation equivariance of the windowed-causal model. Below, for comparison, real panoramas
                of the same classes from the procedural generator at the same size.""",
                c.panoramaTokens(), c.panoramaFactor(), c.generator().window(), c.tokensPerImage());
    }

    private static List<String> classNames() {
        return PanoramaGenerator.Scene.names();
    }

    private static String trainedIn(double seconds, boolean reused) {
        return String.format(Locale.ROOT, " (%.0f s of training%s)", seconds, reused ? ", in an earlier run: reused" : "");
    }

    HtmlReport render(Map<String, Path> figures, Map<String, Duration> timings) {
        int scale = c.figureScale();
        HtmlReport r = new HtmlReport("Equivariant Image Modeling: demo report");
        r.section("What you are looking at").text(String.format(Locale.ROOT, """
                Equivariant Image Modeling (Dong et al., 2025) cuts an image into a sequence of column tokens, one
                per vertical strip, and generates them left to right with an autoregressive transformer whose
                attention is windowed-causal: token i sees only tokens i-ω..i. Because natural scenes look alike
                at every horizontal position, predicting column i from the columns before it is then the same task
                at every i; the model is translation-equivariant, does not have to reconcile conflicting sub-tasks,
                and can keep going past the width it was trained on. Each continuous token is drawn by a small
                flow-matching head conditioned on the transformer's output.

                This demo trains both stages from scratch on the CPU in minutes, on procedural panoramas of %d
                scene classes (%s): first the column tokenizer (%dx%d images -> %d tokens of %d channels), then the
                generator on the tokens. It then samples images of every class with and without classifier-free
                guidance and one panorama per class %d times wider than anything it was trained on. The models are
                small and trained briefly, so expect the right colours, horizon lines and textures per class rather
                than crisp detail.""", DemoConfig.CLASSES, String.join(", ", classNames()), c.height(), c.height(),
                c.tokensPerImage(), c.tokenizer().embedDim(), c.panoramaFactor()));
        r.section("Training data").text(String.format(Locale.ROOT, """
                The first %d of %d training panoramas per class (%dx%d px; one class per row: %s). The tokenizer
                trains on random square crops of them, the generator on windows of their tokens.""",
                Math.min(Figures.DATA_PER_CLASS, c.imagesPerClass()), c.imagesPerClass(), c.trainWidth(), c.height(),
                String.join(", ", classNames())));
        r.image(figures.get("data"), "training panoramas, one class per row", scale);
        r.section("Stage 1: column tokenizer").text(tokenizerText);
        r.image(figures.get("reconstructions"), "held-out panorama | reconstruction, one class per row", scale);
        r.image(figures.get("tokenizer loss"), "tokenizer training: mean absolute error of the reconstructions in [-1, 1] per step");
        r.section("Stage 2: generator").text(generatorText);
        r.image(figures.get("generator loss"), "generator training: flow-matching loss per step (log scale)");
        r.section("Class-conditional samples").text(samplesText);
        for (float cfg : c.guidanceScales()) {
            r.image(figures.get("samples cfg " + cfg), cfg == 1f ? "no guidance (cfg 1)" : "classifier-free guidance, cfg " + cfg, scale);
        }
        r.section("Ultra-long panoramas (" + c.panoramaFactor() + "x the training width)").text(panoramaText);
        r.image(figures.get("panoramas"), "sampled panoramas, " + c.panoramaTokens() + " tokens, cfg " + c.panoramaGuidance(), scale);
        r.image(figures.get("real panoramas"), "real procedural panoramas of the same classes and size", scale);
        r.section("Results and timings").keyValues("measured", results).timings(timings);
        r.section("Configuration").keyValues("settings", c.describe()).keyValues("device", Map.of("device", device));
        r.preformatted("reproduce: scripts/demo.sh --minutes " + DemoConfig.fmt(c.minutes()) + " --seed " + c.seed()
                + " --device " + c.device() + " --out " + c.out());
        return r;
    }
}
