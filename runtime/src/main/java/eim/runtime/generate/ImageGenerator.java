package eim.runtime.generate;

import eim.model.generator.EquivariantGenerator;
import eim.model.generator.Sampler;
import eim.model.tokenizer.Tokenizer;
import eim.runtime.data.ImageTensor;
import eim.tasks.Device;
import java.awt.image.BufferedImage;
import java.util.Arrays;

/**
 * Class-conditional images from a generator and a tokenizer, as the authors' evaluation does:
 * tokens sampled autoregressively with the flow head ({@link Sampler}), divided by vae_norm (the
 * generator works on latents · vae_norm), then decoded column-wise by the tokenizer. Any length of
 * at least 2 tokens works: L tokens make an image resolution x (scale·L) pixels.
 *
 * <pre>{@code
 * try (ImageGenerator g = new ImageGenerator(generator, tokenizer, tokenizer.config().vaeNorm(), device)) {
 *     ImageGenerator.Batch b = g.generate(new int[] {3, 3}, new Settings(16, 3f, 100, Mode.INCREMENTAL),
 *             Sampler.NoiseSource.seeded(0), null);
 *     Images.writePng(file, b.image(0));
 * }
 * }</pre>
 * The tokenizer runs on its own device; the sampler on {@code device}.
 */
public final class ImageGenerator implements AutoCloseable {
    /**
     * How to sample.
     *
     * @param tokens   tokens per image (image width / the tokenizer's scale), at least 2
     * @param cfg      classifier-free guidance scale (1 = none)
     * @param steps    Euler steps of the flow head per token
     * @param mode     incremental (constant cost per token) or the authors' full recompute; same tokens
     * @param schedule the guidance scale along the sequence: ramped linearly to cfg as the authors do, or constant
     */
    public record Settings(int tokens, float cfg, int steps, Sampler.Mode mode, Sampler.Schedule schedule) {
        /** Settings with the authors' linear guidance schedule. */
        public Settings(int tokens, float cfg, int steps, Sampler.Mode mode) {
            this(tokens, cfg, steps, mode, Sampler.Schedule.LINEAR);
        }

        public Settings {
            java.util.Objects.requireNonNull(schedule, "schedule");
            if (tokens < 2) {
                throw new IllegalArgumentException("an image needs at least 2 tokens (the decoder pads by reflection), got "
                        + tokens);
            }
            if (steps < 1) {
                throw new IllegalArgumentException("flow steps must be >= 1, got " + steps);
            }
            eim.model.generator.Sampler.checkGuidance(cfg);
        }
    }

    /**
     * One generated batch.
     *
     * @param labels  the class of each image (-1 = unconditional)
     * @param latents sampled tokens (B, L, C) as the generator made them (times vae_norm)
     * @param pixels  decoded images (B, 3, height, width) in about [-1, 1]
     * @param samplingSeconds wall time of the token sampling (sampler compilation included)
     * @param decodingSeconds wall time of the decoding
     */
    public record Batch(int[] labels, int tokens, float[] latents, float[] pixels, int height, int width,
                        double samplingSeconds, double decodingSeconds) {
        public int size() {
            return labels.length;
        }

        /** Image {@code i} as RGB (values clamped to [-1, 1]). */
        public BufferedImage image(int i) {
            return ImageTensor.fromBatch(pixels, i, height, width);
        }
    }

    private final TokenSampling sampling;
    private final ImageCodec codec;
    private final float vaeNorm;

    /**
     * @param vaeNorm the factor the generator's latents carry (the tokenizer config's, 0.05493 for
     *                the released models)
     * @throws IllegalArgumentException when the generator's token channels are not the tokenizer's
     */
    public ImageGenerator(EquivariantGenerator generator, Tokenizer tokenizer, float vaeNorm, Device device) {
        this(generator, ImageCodec.of(tokenizer), vaeNorm, device);
    }

    /** Images decoded by {@code codec} (the column tokenizer, or a baseline's codec). */
    public ImageGenerator(EquivariantGenerator generator, ImageCodec codec, float vaeNorm, Device device) {
        checkCompatible(generator.cfg.tokenChannels(), codec.channels(), vaeNorm);
        this.sampling = new TokenSampling(generator, device);
        this.codec = codec;
        this.vaeNorm = vaeNorm;
    }

    /**
     * @throws IllegalArgumentException when a generator making {@code made}-channel tokens cannot be
     *         decoded by a codec of {@code decoded} channels, or vae_norm is not positive
     */
    public static void checkCompatible(int made, int decoded, float vaeNorm) {
        if (made != decoded) {
            throw new IllegalArgumentException("the generator makes " + made + "-channel tokens but the tokenizer decodes "
                    + decoded + "-channel tokens (its embed_dim): use the tokenizer the generator was trained with");
        }
        if (!(vaeNorm > 0)) {
            throw new IllegalArgumentException("vae_norm must be > 0, got " + vaeNorm);
        }
    }

    /** Image height and width in pixels for {@code tokens} tokens. */
    public int[] imageSize(int tokens) {
        return codec.imageSize(tokens);
    }

    /**
     * Samples one image per label (all in one batch) and decodes them one at a time.
     *
     * @param noise    the Gaussian noise each AR step starts from (seeded for reproducible images)
     * @param progress called after each token position of the batch, may be null
     */
    public Batch generate(int[] labels, Settings s, Sampler.NoiseSource noise, Sampler.Progress progress) {
        long t0 = System.nanoTime();
        float[] latents = sampling.sample(labels, s, noise, progress);
        long t1 = System.nanoTime();
        float[] pixels = decode(latents, labels.length, s.tokens());
        int[] hw = imageSize(s.tokens());
        return new Batch(labels.clone(), s.tokens(), latents, pixels, hw[0], hw[1], (t1 - t0) / 1e9,
                (System.nanoTime() - t1) / 1e9);
    }

    /** Images (B, 3, H, W) from generator latents (B, L, C): divided by vae_norm, decoded image by image (constant memory in B). */
    public float[] decode(float[] latents, int batch, int tokens) {
        return decode(codec, vaeNorm, latents, batch, tokens);
    }

    /** As {@link #decode(float[], int, int)}, by {@code codec} for latents carrying {@code vaeNorm}. */
    public static float[] decode(ImageCodec codec, float vaeNorm, float[] latents, int batch, int tokens) {
        int ch = codec.channels();
        int[] hw = codec.imageSize(tokens);
        int perImage = ImageTensor.CHANNELS * hw[0] * hw[1];
        float[] pixels = new float[batch * perImage];
        for (int b = 0; b < batch; b++) {
            float[] one = Arrays.copyOfRange(latents, b * tokens * ch, (b + 1) * tokens * ch);
            for (int i = 0; i < one.length; i++) {
                one[i] /= vaeNorm;
            }
            System.arraycopy(codec.decode(one, 1, tokens), 0, pixels, b * perImage, perImage);
        }
        return pixels;
    }

    /** Frees the sampler's device storage (the tokenizer and the generator belong to the caller). */
    @Override
    public void close() {
        sampling.close();
    }
}
