package eim.runtime.demo;

import eim.model.generator.GeneratorConfig;
import eim.model.tokenizer.TokenizerConfig;
import eim.runtime.data.panorama.PanoramaGenerator;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Everything the demo does, in one place: data, both models, their training budgets, sampling and
 * output. {@link #standard()} is the README demo (about 10 minutes on 2 CPU cores); {@link #toy()}
 * runs the same pipeline in seconds for the test.
 *
 * @param out               output folder (models, figures, report.html)
 * @param device            eim.tasks device name (java, tornado, tornado:N)
 * @param seed              seed of the data, both initialisations, training and sampling
 * @param minutes           wall-time budget of the two training stages together
 * @param tokenizerShare    share of {@code minutes} for the tokenizer; the generator gets the rest
 * @param retrain           train again even when matching trained models are in {@code out}
 * @param imagesPerClass    training panoramas per scene class
 * @param trainWidthFactor  training panoramas are this many times wider than tall (random square crops move across them)
 * @param heldOutPerClass   held-out panoramas per class (tokenizer PSNR, reconstruction figure)
 * @param tokenizer         tokenizer architecture; its resolution is the image height everywhere
 * @param tokenizerBatch    images per tokenizer step
 * @param tokenizerLr       tokenizer peak learning rate (linear warm-up, then constant)
 * @param tokenizerWarmup   tokenizer warm-up steps
 * @param tokenizerL2Mix    share of squared error in the reconstruction loss (0: the authors' pure L1; squared error learns the layout faster)
 * @param tokenizerMaxSteps tokenizer step cap (the time share usually ends training first)
 * @param windowStride      tokens between the starts of the generator's training windows cut from each encoded panorama
 * @param generator         generator architecture (token channels, classes and length are set from the data)
 * @param generatorBatch    sequences per generator step
 * @param generatorLr       generator peak learning rate (linear warm-up, then constant, as the authors)
 * @param generatorWarmup   generator warm-up steps
 * @param generatorEma      EMA rate of the generator weights used for sampling
 * @param generatorMaxSteps generator step cap
 * @param samplesPerClass   images per class in each sample grid
 * @param guidanceScales    one sample grid per classifier-free guidance scale (1 = no guidance)
 * @param panoramaGuidance  guidance scale of the ultra-long panoramas
 * @param flowSteps         Euler steps of the flow head per token
 * @param panoramaFactor    the panoramas are this many times wider than the training width
 * @param figureScale       figures are shown this many times enlarged in the report
 */
public record DemoConfig(Path out, String device, long seed, double minutes, double tokenizerShare, boolean retrain,
                         int imagesPerClass, int trainWidthFactor, int heldOutPerClass,
                         TokenizerConfig tokenizer, int tokenizerBatch, float tokenizerLr, int tokenizerWarmup, float tokenizerL2Mix,
                         int tokenizerMaxSteps, int windowStride,
                         GeneratorConfig generator, int generatorBatch, float generatorLr, int generatorWarmup,
                         float generatorEma, int generatorMaxSteps,
                         int samplesPerClass, float[] guidanceScales, float panoramaGuidance, int flowSteps,
                         int panoramaFactor, int figureScale) {

    /** Random crops of each training panorama tokenized as views (each also mirrored: twice as many views). */
    public static final int VIEW_CROPS = 2;
    /** The crops are taken from the panorama enlarged by this share. */
    public static final float CROP_MARGIN = 0.125f;

    /** Number of scene classes (the procedural panorama generator's). */
    public static final int CLASSES = PanoramaGenerator.Scene.values().length;

    public DemoConfig {
        guidanceScales = guidanceScales.clone();
        require(minutes > 0, "--minutes must be > 0, got " + minutes);
        require(tokenizerShare > 0 && tokenizerShare < 1, "tokenizer share must be in (0, 1), got " + tokenizerShare);
        require(imagesPerClass >= 1 && heldOutPerClass >= 1, "images per class and held-out per class must be >= 1");
        require(trainWidthFactor >= 1, "train width factor must be >= 1");
        require(tokenizerL2Mix >= 0 && tokenizerL2Mix <= 1, "tokenizer L2 mix must be in [0, 1]");
        require(tokenizerBatch >= 1 && generatorBatch >= 1, "batches must be >= 1");
        require(tokenizerMaxSteps >= 1 && generatorMaxSteps >= 1, "step caps must be >= 1");
        require(windowStride >= 1, "window stride must be >= 1");
        require(samplesPerClass >= 1 && flowSteps >= 1 && panoramaFactor >= 1 && figureScale >= 1,
                "samples per class, flow steps, panorama factor and figure scale must be >= 1");
        require(guidanceScales.length >= 1, "at least one guidance scale is needed");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("demo config: " + message);
        }
    }

    /**
     * The README demo: 32-pixel-high panoramas, a tokenizer with 2-pixel column tokens of 16 channels
     * and a 4-block generator; sized so that both train to visible structure in about 8 minutes of
     * the 2-core CPU budget.
     */
    public static DemoConfig standard() {
        // like the "mini" preset (32x32 -> 16 tokens x 16 channels) with half the channels, so a step costs a quarter
        // and posterior noise of std up to 0.5 instead of 2.5, which a short run cannot yet outgrow
        TokenizerConfig tok = new TokenizerConfig(32, 3, 8, new int[] {1, 2}, 1, new int[] {}, 8, 16, 4, 0.5f, 1f);
        GeneratorConfig gen = new GeneratorConfig(16, 128, 4, 4, 4, 8, 3, 16, CLASSES, 0.1f, 0f, 0f, 128, 3, 4, 16,
                10000f);
        return new DemoConfig(Path.of("out"), "java", 1, 8, 0.5, false,
                200, 2, 2,
                tok, 8, 3e-3f, 20, 1f, 1_000_000, 4,
                gen, 16, 1e-3f, 50, 0.995f, 1_000_000,
                8, new float[] {1f, 3f}, 3f, 50, 8, 3);
    }

    /** The whole pipeline at toy size (16-pixel images, a few steps): seconds, for the pipeline test. */
    public static DemoConfig toy() {
        // the "tiny" preset: 16x16 -> 8 tokens x 8 channels
        TokenizerConfig tok = new TokenizerConfig(16, 3, 8, new int[] {1, 2}, 1, new int[] {8}, 4, 8, 4, 2.5f, 1f);
        GeneratorConfig gen = new GeneratorConfig(8, 32, 2, 4, 4, 4, 3, 4, CLASSES, 0.1f, 0f, 0f, 32, 2, 2, 8, 10000f);
        return new DemoConfig(Path.of("out"), "java", 1, 1, 0.4, false,
                3, 2, 1,
                tok, 4, 1e-3f, 2, 1f, 3, 4,
                gen, 4, 1e-3f, 2, 0.9f, 4,
                2, new float[] {1f, 3f}, 3f, 2, 4, 2);
    }

    /** Training image height = tokenizer resolution. */
    public int height() {
        return tokenizer.resolution();
    }

    /** Width of the training panoramas in pixels. */
    public int trainWidth() {
        return trainWidthFactor * height();
    }

    /** Tokens of one square image: the generator's training length. */
    public int tokensPerImage() {
        return tokenizer.tokensForWidth(height());
    }

    /** Tokens of one ultra-long panorama. */
    public int panoramaTokens() {
        return panoramaFactor * tokensPerImage();
    }

    public double tokenizerMinutes() {
        return minutes * tokenizerShare;
    }

    public double generatorMinutes() {
        return minutes * (1 - tokenizerShare);
    }

    public DemoConfig withOut(Path o) {
        return new DemoConfig(o, device, seed, minutes, tokenizerShare, retrain, imagesPerClass, trainWidthFactor,
                heldOutPerClass, tokenizer, tokenizerBatch, tokenizerLr, tokenizerWarmup, tokenizerL2Mix, tokenizerMaxSteps, windowStride,
                generator, generatorBatch, generatorLr, generatorWarmup, generatorEma, generatorMaxSteps, samplesPerClass,
                guidanceScales, panoramaGuidance, flowSteps, panoramaFactor, figureScale);
    }

    public DemoConfig withRun(String dev, long s, double min, boolean again) {
        return new DemoConfig(out, dev, s, min, tokenizerShare, again, imagesPerClass, trainWidthFactor,
                heldOutPerClass, tokenizer, tokenizerBatch, tokenizerLr, tokenizerWarmup, tokenizerL2Mix, tokenizerMaxSteps, windowStride,
                generator, generatorBatch, generatorLr, generatorWarmup, generatorEma, generatorMaxSteps, samplesPerClass,
                guidanceScales, panoramaGuidance, flowSteps, panoramaFactor, figureScale);
    }

    /** What decides the dataset: a trained model is reused only when this is unchanged. */
    Map<String, String> dataSettings() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("data.seed", "" + seed);
        m.put("data.images_per_class", "" + imagesPerClass);
        m.put("data.size", trainWidth() + "x" + height());
        m.put("data.classes", String.join(",", PanoramaGenerator.Scene.names()));
        return m;
    }

    /** What decides the trained tokenizer. */
    Map<String, String> tokenizerSettings() {
        Map<String, String> m = new LinkedHashMap<>(dataSettings());
        tokenizer.toMetadata().forEach((k, v) -> m.put("tokenizer." + k, v));
        m.put("tokenizer.batch", "" + tokenizerBatch);
        m.put("tokenizer.lr", "" + tokenizerLr);
        m.put("tokenizer.warmup", "" + tokenizerWarmup);
        m.put("tokenizer.l2_mix", "" + tokenizerL2Mix);
        m.put("tokenizer.max_steps", "" + tokenizerMaxSteps);
        m.put("tokenizer.minutes", fmt(tokenizerMinutes()));
        m.put("tokenizer.vae_norm_measured", "true");
        m.put("device", device);
        return m;
    }

    /** What decides the token file (the trained tokenizer plus the windowing). */
    Map<String, String> tokenSettings() {
        Map<String, String> m = new LinkedHashMap<>(tokenizerSettings());
        m.put("tokens.window_stride", "" + windowStride);
        m.put("tokens.crops", "" + VIEW_CROPS);
        m.put("tokens.crop_margin", "" + CROP_MARGIN);
        return m;
    }

    /** What decides the trained generator. */
    Map<String, String> generatorSettings() {
        Map<String, String> m = new LinkedHashMap<>(tokenSettings());
        generator.toMetadata().forEach((k, v) -> m.put("generator." + k, v));
        m.put("generator.batch", "" + generatorBatch);
        m.put("generator.lr", "" + generatorLr);
        m.put("generator.warmup", "" + generatorWarmup);
        m.put("generator.ema", "" + generatorEma);
        m.put("generator.max_steps", "" + generatorMaxSteps);
        m.put("generator.minutes", fmt(generatorMinutes()));
        return m;
    }

    /** Every setting, for the report. */
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("output folder", out.toString());
        m.put("device", device);
        m.put("seed", "" + seed);
        m.put("training budget", fmt(minutes) + " min (tokenizer " + fmt(tokenizerMinutes()) + ", generator "
                + fmt(generatorMinutes()) + ")");
        m.put("training panoramas", imagesPerClass + " per class x " + CLASSES + " classes, " + trainWidth() + "x" + height() + " px");
        m.put("held-out panoramas", heldOutPerClass + " per class");
        m.put("tokenizer", "resolution " + tokenizer.resolution() + ", ch " + tokenizer.ch() + " x "
                + java.util.Arrays.toString(tokenizer.chMult()) + ", " + tokenizer.numResBlocks() + " res blocks/level, z "
                + tokenizer.zChannels() + ", " + tokensPerImage() + " tokens x " + tokenizer.embedDim() + " channels per image ("
                + tokenizer.scale() + " px per token)");
        m.put("tokenizer training", "batch " + tokenizerBatch + ", Adam(0.5, 0.9) lr " + tokenizerLr + ", warm-up "
                + tokenizerWarmup + ", reconstruction loss " + (1 - tokenizerL2Mix) + " L1 + " + tokenizerL2Mix
                + " L2, 0.01 latent penalty, posterior noise of std up to " + tokenizer.std() + ", EMA 0.99");
        m.put("generator training windows", tokensPerImage() + " tokens, every " + windowStride + " tokens of each encoded panorama");
        m.put("generator", "width " + generator.width() + ", " + generator.depth() + " blocks, " + generator.heads()
                + " heads, window ω=" + generator.window() + ", class buffer " + generator.bufferSize() + ", flow head "
                + generator.headWidth() + " x " + generator.headDepth() + ", diffusion batch mul " + generator.diffusionBatchMul());
        m.put("generator training", "batch " + generatorBatch + ", AdamW(0.9, 0.95) lr " + generatorLr + ", warm-up "
                + generatorWarmup + ", label drop " + generator.labelDropProb() + ", EMA " + generatorEma + "; each batch a "
                + "random one of " + 2 * VIEW_CROPS + " views per window (random crops of the panorama enlarged by "
                + CROP_MARGIN + " and their mirror images) plus a fresh posterior sample, std up to " + tokenizer.std()
                + " x vae_norm (the authors' recipe)");
        m.put("sampling", samplesPerClass + " per class, guidance " + java.util.Arrays.toString(guidanceScales) + ", "
                + flowSteps + " Euler steps per token");
        m.put("panoramas", panoramaFactor + "x the training width (" + panoramaTokens() + " tokens, " + panoramaTokens()
                * tokenizer.scale() + " px), incremental sampler, guidance " + panoramaGuidance);
        return m;
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3g", v);
    }

    @Override
    public float[] guidanceScales() {
        return guidanceScales.clone();
    }
}
