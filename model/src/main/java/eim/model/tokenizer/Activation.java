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
        int n = size(B, C, H, W);
        return new Activation(name, B, C, H, W, new FloatArray(name, n),
                withGrad ? new FloatArray(name + ".grad", n) : null);
    }

    /** An activation on given buffers of B·C·H·W values each ({@code grad} may be null). */
    static Activation wrap(String name, int B, int C, int H, int W, FloatArray value, FloatArray grad) {
        int n = size(B, C, H, W);
        if (value.size() != n || (grad != null && grad.size() != n)) {
            throw new IllegalArgumentException(name + ": buffers of " + value.size() + " values for (" + B + ", " + C
                    + ", " + H + ", " + W + ")");
        }
        return new Activation(name, B, C, H, W, value, grad);
    }

    static int size(int B, int C, int H, int W) {
        return Math.multiplyExact(Math.multiplyExact(B, C), Math.multiplyExact(H, W));
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
