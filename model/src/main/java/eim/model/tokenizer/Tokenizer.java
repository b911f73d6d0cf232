package eim.model.tokenizer;

import eim.tasks.Device;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The column-wise tokenizer of "Equivariant Image Modeling" on one device: an image (3, H, W) with
 * H = resolution becomes W/scale tokens of embed channels, each describing one vertical strip, and
 * any number L ≥ 2 of tokens decodes to an image scale·L pixels wide.
 *
 * <p>Networks are built per (batch, width) and cached. Token layouts: {@link #encode} and
 * {@link #decode} use sequence-major (B, L, embed), the generator's; {@link Network}s use
 * channel-major (B, embed, L); {@link #toSequenceMajor}/{@link #toChannelMajor} convert.
 */
public final class Tokenizer implements AutoCloseable {
    private final TokenizerConfig config;
    private final TokenizerParameters params = new TokenizerParameters();
    private final Encoder encoder;
    private final Decoder decoder;
    private final Device device;
    private final Map<String, Network> networks = new LinkedHashMap<>();

    /** Which halves a tokenizer holds: both, or the decoder alone (generation needs no encoder). */
    public enum Part {
        WHOLE, DECODER;

        /** The parameter keys a checkpoint holds for the half this one lacks. */
        public String[] absentPrefixes() {
            return this == DECODER ? new String[] {"encoder.", "quant_layer."} : new String[0];
        }
    }

    /** A tokenizer with PyTorch-default initial weights drawn from {@code seed}. */
    public Tokenizer(TokenizerConfig config, Device device, long seed) {
        this(config, device, seed, Part.WHOLE);
    }

    /**
     * A tokenizer holding {@code part}, with PyTorch-default initial weights drawn from {@code seed}
     * (the decoder's draws do not depend on whether the encoder is there).
     */
    public Tokenizer(TokenizerConfig config, Device device, long seed, Part part) {
        this.config = config;
        this.device = device;
        this.encoder = part == Part.WHOLE ? new Encoder(params, config) : null;
        this.decoder = new Decoder(params, config);
        params.initialize(seed);
    }

    public TokenizerConfig config() {
        return config;
    }

    public TokenizerParameters parameters() {
        return params;
    }

    public Device device() {
        return device;
    }

    /** Encoder network for {@code batch} images of the training height and {@code width} pixels. */
    public Network encoder(int batch, int width, boolean training) {
        if (encoder == null) {
            throw new IllegalStateException("this tokenizer was loaded for decoding only: it has no encoder");
        }
        return networks.computeIfAbsent("encoder/" + batch + "/" + width + "/" + training, k -> {
            NetBuilder nb = builder(batch, training);
            // the image needs no gradient: training stops at the encoder's weights
            Activation image = Activation.allocate("image", batch, config.inChannels(), config.resolution(), width, false);
            return new Network("encoder_b" + batch + "_w" + width + (training ? "_train" : ""), device, image,
                    encoder.bind(image, nb), nb);
        });
    }

    /** Decoder network for {@code batch} sequences of {@code tokens} tokens. */
    public Network decoder(int batch, int tokens, boolean training) {
        return networks.computeIfAbsent("decoder/" + batch + "/" + tokens + "/" + training, k -> {
            NetBuilder nb = builder(batch, training);
            Activation latent = nb.activation("latent", config.embedDim(), 1, tokens);
            return new Network("decoder_b" + batch + "_l" + tokens + (training ? "_train" : ""), device, latent,
                    decoder.bind(latent, nb), nb);
        });
    }

    private NetBuilder builder(int batch, boolean training) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        if (training) {
            params.enableGradients();
        }
        return new NetBuilder(batch, training);
    }

    /**
     * Posterior means (the tokens, not yet multiplied by vaeNorm) of {@code batch} images
     * (B, 3, resolution, width) in [-1, 1]: returns (B, L, embed).
     */
    public float[] encode(float[] images, int batch, int width) {
        Network net = encoder(batch, width, false);
        net.input().copyFrom(images);
        net.forward();
        return toSequenceMajor(net.output().array(), batch, config.embedDim(), config.tokensForWidth(width));
    }

    /** Images (B, 3, resolution, scale·L) from tokens (B, L, embed) (posterior scale, not multiplied by vaeNorm). */
    public float[] decode(float[] tokens, int batch, int length) {
        Network net = decoder(batch, length, false);
        net.input().copyFrom(toChannelMajor(tokens, batch, length, config.embedDim()));
        net.forward();
        return net.output().array().clone();
    }

    /** Tells every built network that the host changed parameter values (after a step or a load). */
    public void parametersChanged() {
        networks.values().forEach(Network::parametersChanged);
    }

    /** (B, E, L) -> (B, L, E). */
    public static float[] toSequenceMajor(float[] x, int B, int E, int L) {
        float[] y = new float[B * L * E];
        for (int b = 0; b < B; b++) {
            for (int e = 0; e < E; e++) {
                for (int l = 0; l < L; l++) {
                    y[(b * L + l) * E + e] = x[(b * E + e) * L + l];
                }
            }
        }
        return y;
    }

    /** (B, L, E) -> (B, E, L). */
    public static float[] toChannelMajor(float[] x, int B, int L, int E) {
        float[] y = new float[B * E * L];
        for (int b = 0; b < B; b++) {
            for (int l = 0; l < L; l++) {
                for (int e = 0; e < E; e++) {
                    y[(b * E + e) * L + l] = x[(b * L + l) * E + e];
                }
            }
        }
        return y;
    }

    /** Frees the device storage of every network (and so of the parameters). */
    @Override
    public void close() {
        for (Network n : networks.values()) {
            n.close();
            n.free();
        }
        networks.clear();
    }
}
