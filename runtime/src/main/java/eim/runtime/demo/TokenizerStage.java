package eim.runtime.demo;

import eim.model.tokenizer.Tokenizer;
import eim.runtime.Progress;
import eim.tasks.io.AtomicFiles;
import eim.model.io.TokenFile;
import eim.runtime.data.ImageTensor;
import eim.runtime.tokenizer.Tokenization;
import eim.runtime.tokenizer.ImageSet;
import eim.model.io.TokenizerCheckpoint;
import eim.runtime.tokenizer.TokenizerTrainer;
import eim.runtime.tokenizer.TrainOptions;
import eim.tasks.Device;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first stage: trains the column tokenizer on random square crops of the panoramas for its time
 * share (or reuses out/tokenizer.safetensors), then turns every training panorama into generator
 * training windows of column tokens (and of augmented views), scaled by vae_norm = 1/std of the
 * latents, measured after training and recorded in the tokenizer checkpoint.
 */
final class TokenizerStage {
    private static final Logger log = LoggerFactory.getLogger(TokenizerStage.class);
    static final String CHECKPOINT = "tokenizer.safetensors", LOSS_CSV = "tokenizer-loss.csv", TOKENS = "tokens.safetensors";
    /** Training crops whose posterior means measure vae_norm. */
    static final int VAE_NORM_IMAGES = 256;
    /** Panoramas encoded per call. */
    private static final int ENCODE_BATCH = 16;

    /** What training did (or did in the run that is reused). */
    record Training(int steps, double seconds, boolean reused) {}

    /** The generator's training data as written: N windows, scaled by {@code vaeNorm}. */
    record Tokens(Path file, int sequences, float vaeNorm, boolean reused) {}

    private TokenizerStage() {}

    static Training trainOrReuse(DemoConfig c, DemoData data, Device device, DemoState state) throws Exception {
        Path checkpoint = c.out().resolve(CHECKPOINT);
        Map<String, String> settings = c.tokenizerSettings();
        if (!c.retrain() && state.reusable("tokenizer", settings, checkpoint)) {
            log.info("reusing the trained tokenizer {} (same settings; --retrain trains again)", checkpoint);
            return new Training(Integer.parseInt(state.result("tokenizer", "steps")),
                    Double.parseDouble(state.result("tokenizer", "seconds")), true);
        }
        TrainOptions opts = TrainOptions.defaults().withBatch(c.tokenizerBatch()).withSteps(c.tokenizerMaxSteps())
                .withSchedule(c.tokenizerLr(), c.tokenizerWarmup(), Integer.MAX_VALUE, 1f).withSeed(c.seed())
                .withLoss(0.01f, c.tokenizerL2Mix(), false, true)
                // the demo keeps clipping at norm 1 where the authors clip nothing (TrainOptions.defaults()): it trains at
                // 3e-3, about 16x their peak rate, after a 20-step warm-up, where clipping guards the first steps, and its
                // figures and timings (README, docs/demo.md) were measured with it; not re-measured without
                .withClip(1f);
        ImageSet train = new ImageSet(data.train(), c.height());
        StringBuilder csv = new StringBuilder("step,loss,nll,kl,l1,lr,grad_norm\n");
        BudgetedTraining.Outcome outcome;
        try (TokenizerTrainer trainer = new TokenizerTrainer(c.tokenizer(), device, opts)) {
            outcome = BudgetedTraining.run("tokenizer training", c.tokenizerMinutes() * 60, c.tokenizerMaxSteps(), () -> {
                TokenizerTrainer.StepResult s = trainer.step(train);
                csv.append(String.format(Locale.ROOT, "%d,%.6g,%.6g,%.6g,%.6g,%.4g,%.4g%n", s.step(), s.loss(), s.nll(),
                        s.kl(), s.meanAbsError(), s.lr(), s.gradNorm()));
                return String.format(Locale.ROOT, "loss %.4g  L1 %.4f", s.loss(), s.meanAbsError());
            });
            trainer.save(checkpoint);
        }
        recordVaeNorm(checkpoint, train, device);
        AtomicFiles.writeString(c.out().resolve(LOSS_CSV), csv.toString());
        state.finished("tokenizer", settings, Map.of("steps", "" + outcome.steps(), "seconds", "" + outcome.seconds()));
        return new Training(outcome.steps(), outcome.seconds(), false);
    }

    /**
     * Measures vae_norm = 1 / std of the posterior means (EMA weights) of up to {@link #VAE_NORM_IMAGES}
     * training crops and records it in the checkpoint, so the tokenizer file names the factor its
     * tokens are scaled with (the token file and the generator checkpoint carry the same value).
     */
    private static void recordVaeNorm(Path checkpoint, ImageSet train, Device device) throws IOException {
        try (Tokenizer t = TokenizerCheckpoint.loadForInference(checkpoint, device, true)) {
            float v = Tokenization.measureVaeNorm(t, train, VAE_NORM_IMAGES);
            TokenizerCheckpoint.recordVaeNorm(checkpoint, v);
            log.info(String.format(Locale.ROOT, "vae_norm %.5g (1 / std of the posterior means), recorded in %s", v, checkpoint));
        }
    }

    /** The trained tokenizer with its EMA weights (what tokenizing and decoding use). */
    static Tokenizer load(DemoConfig c, Device device) throws IOException {
        return TokenizerCheckpoint.loadForInference(c.out().resolve(CHECKPOINT), device, true);
    }

    /**
     * Encodes every training panorama at its full width, and {@link DemoConfig#VIEW_CROPS} random crops
     * of it (slightly enlarged) and their mirror images as views, and cuts windows of the generator's
     * length every {@code windowStride} tokens from each; all values are multiplied by the tokenizer's
     * recorded vae_norm, which the token file states.
     */
    static Tokens tokenizeOrReuse(DemoConfig c, DemoData data, Tokenizer tokenizer, DemoState state) throws IOException {
        Path file = c.out().resolve(TOKENS);
        Map<String, String> settings = c.tokenSettings();
        if (!c.retrain() && state.reusable("tokens", settings, file)) {
            log.info("reusing the tokenized training set {}", file);
            return new Tokens(file, Integer.parseInt(state.result("tokens", "sequences")),
                    Float.parseFloat(state.result("tokens", "vae_norm")), true);
        }
        int h = c.height(), w = c.trainWidth(), length = c.tokensPerImage(), embed = c.tokenizer().embedDim();
        int wide = c.tokenizer().tokensForWidth(w), perImage = (wide - length) / c.windowStride() + 1;
        int n = data.train().size(), seq = length * embed;
        float vaeNorm = tokenizer.config().vaeNorm();
        Tokenization.Result r;
        try (Progress progress = Progress.start("tokenizing", n, "img")) {
            r = Tokenization.encode(tokenizer, n, i -> data.train().get(i),
                    new Tokenization.Settings(h, w, DemoConfig.VIEW_CROPS, DemoConfig.CROP_MARGIN, c.seed(), ENCODE_BATCH),
                    vaeNorm, progress);
        }
        int v = r.viewCount();
        float[] tokens = new float[n * perImage * seq];
        float[] views = new float[n * perImage * v * seq];
        int[] labels = new int[n * perImage];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < perImage; k++) {
                int item = i * perImage + k, at = k * c.windowStride() * embed;
                System.arraycopy(r.tokens(), i * wide * embed + at, tokens, item * seq, seq);
                for (int j = 0; j < v; j++) {
                    System.arraycopy(r.views(), (i * v + j) * wide * embed + at, views, (item * v + j) * seq, seq);
                }
                labels[item] = data.labels()[i];
            }
        }
        TokenFile tf = TokenFile.of(tokens, labels.length, length, embed, vaeNorm).withLabels(labels, data.classNames())
                .withTokenizer(tokenizer.config())
                .withProvenance(Map.of("tokenizer_checkpoint", c.out().resolve(CHECKPOINT).toString(), "window_stride",
                        "" + c.windowStride(), "crops", "" + DemoConfig.VIEW_CROPS, "crop_margin", "" + DemoConfig.CROP_MARGIN,
                        "seed", "" + c.seed()));
        if (v > 0) {
            tf = tf.withViews(views, v);
        }
        tf.write(file);
        log.info(String.format(Locale.ROOT, "%d training windows of %d tokens x %d channels, %d views each, vae_norm %.5g -> %s",
                labels.length, length, embed, v, vaeNorm, file));
        state.finished("tokens", settings, Map.of("sequences", "" + labels.length, "vae_norm", "" + vaeNorm));
        return new Tokens(file, labels.length, vaeNorm, false);
    }

    /** Held-out panoramas and their reconstructions (posterior means, EMA weights), at full width. */
    static List<BufferedImage> reconstruct(Tokenizer tokenizer, List<BufferedImage> images) {
        List<BufferedImage> out = new ArrayList<>();
        for (BufferedImage image : images) {
            int h = image.getHeight(), w = image.getWidth();
            float[] z = tokenizer.encode(ImageTensor.fromImage(image), 1, w);
            out.add(ImageTensor.toImage(tokenizer.decode(z, 1, tokenizer.config().tokensForWidth(w)), h, w));
        }
        return out;
    }

    /** Held-out PSNR of the tokenizer on centre crops, and the per-column mean-colour baseline's. */
    static TokenizerTrainer.Evaluation evaluate(DemoConfig c, Tokenizer tokenizer, DemoData data) {
        return TokenizerTrainer.evaluate(tokenizer, new ImageSet(data.heldOut(), c.height()), data.heldOut().size());
    }
}
