package eim.runtime.tokenizer;

import eim.model.tokenizer.TokenizerParameters;

/**
 * The authors' LitEma: shadow weights updated after every step by
 * shadow -= (1 - d)(shadow - param) with d = min(decay, (1 + n)/(10 + n)), n the update count.
 */
final class Ema {
    private final float decay;
    private final TokenizerParameters shadow;
    private long updates;

    /** Starts the shadow as a copy of {@code params} (written into {@code shadow}, same structure). */
    Ema(float decay, TokenizerParameters shadow, TokenizerParameters params) {
        this.decay = decay;
        this.shadow = shadow;
        shadow.copyFrom(params);
    }

    void update(TokenizerParameters params) {
        updates++;
        float d = Math.min(decay, (1f + updates) / (10f + updates));
        float oneMinus = 1 - d;
        for (var e : params.entries()) {
            float[] p = e.value().array(), s = shadow.get(e.name()).value().array();
            for (int i = 0; i < p.length; i++) {
                s[i] -= oneMinus * (s[i] - p[i]);
            }
        }
    }

    TokenizerParameters weights() {
        return shadow;
    }

    long updates() {
        return updates;
    }

    void restore(long n) {
        updates = n;
    }
}
