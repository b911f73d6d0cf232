package eim.model.tokenizer;

import eim.tasks.FloatArray;

/**
 * A feature map (B, C, H, W), row-major, and its gradient when the network is built for training
 * ({@code grad} null otherwise). A sequence of L vectors of D channels is held as (B, D, 1, L):
 * the columnized feature map (B, C, H, W) and the sequence (B, C·H, 1, W) are the same memory.
 */
final class Activation {
    final String name;
    final int B, C, H, W;
    final FloatArray value;
    final FloatArray grad;

    private Activation(String name, int B, int C, int H, int W, FloatArray value, FloatArray grad) {
        this.name = name;
        this.B = B;
        this.C = C;
        this.H = H;
        this.W = W;
        this.value = value;
        this.grad = grad;
    }

    static Activation allocate(String name, int B, int C, int H, int W, boolean withGrad) {
        int n = Math.multiplyExact(Math.multiplyExact(B, C), Math.multiplyExact(H, W));
        return new Activation(name, B, C, H, W, new FloatArray(name, n),
                withGrad ? new FloatArray(name + ".grad", n) : null);
    }

    /** A new value buffer of the same shape whose gradient is {@code other}'s (a branch summed into it). */
    static Activation sharingGrad(String name, Activation other) {
        return new Activation(name, other.B, other.C, other.H, other.W, new FloatArray(name, other.size()), other.grad);
    }

    /** The same buffers seen with another (C, H, W) of equal size. */
    Activation view(int c, int h, int w) {
        if (c * h * w != C * H * W) {
            throw new IllegalArgumentException(name + ": cannot view " + C + "x" + H + "x" + W + " as " + c + "x" + h
                    + "x" + w);
        }
        return new Activation(name, B, c, h, w, value, grad);
    }

    int size() {
        return value.size();
    }

    int plane() {
        return H * W;
    }
}
