package eim.runtime.generate;

import eim.model.tokenizer.Tokenizer;
import eim.model.tokenizer.TokenizerConfig;

/**
 * What turns images into token sequences and back: the column tokenizer ({@link #of(Tokenizer)}),
 * or a baseline's codec (the 2D patch grid of {@code eim grid-tokens}). Latents here are before
 * vae_norm, the factor the generator's tokens carry.
 */
public interface ImageCodec {
    /** Channels of a token. */
    int channels();

    /** (height, width) in pixels of an image of {@code tokens} tokens; throws when no image has that many. */
    int[] imageSize(int tokens);

    /** Tokens of an image {@code width} pixels wide; throws when no image is that wide. */
    int tokensForWidth(int width);

    /** Latents (n, tokens, channels) of n images (n, 3, h, width) in [-1, 1]. */
    float[] encode(float[] images, int n, int width);

    /** Images (n, 3, h, w) from latents (n, tokens, channels). */
    float[] decode(float[] latents, int n, int tokens);

    /** The column tokenizer: one token per {@code scale} pixel columns, any width. */
    static ImageCodec of(Tokenizer tokenizer) {
        return new ImageCodec() {
            @Override
            public int channels() {
                return tokenizer.config().embedDim();
            }

            @Override
            public int[] imageSize(int tokens) {
                TokenizerConfig c = tokenizer.config();
                return new int[] {c.resolution(), c.scale() * tokens};
            }

            @Override
            public int tokensForWidth(int width) {
                return tokenizer.config().tokensForWidth(width);
            }

            @Override
            public float[] encode(float[] images, int n, int width) {
                return tokenizer.encode(images, n, width);
            }

            @Override
            public float[] decode(float[] latents, int n, int tokens) {
                return tokenizer.decode(latents, n, tokens);
            }
        };
    }
}
