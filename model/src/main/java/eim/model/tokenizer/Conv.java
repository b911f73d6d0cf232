package eim.model.tokenizer;

import eim.model.tokenizer.TokenizerParameters.Entry;
import eim.model.tokenizer.TokenizerParameters.Init;
import eim.tasks.TaskGraph;
import eim.tasks.kernels.Conv2d;

/**
 * {@code nn.Conv2d(cin, cout, k, padding=k/2, padding_mode="reflect")} or, for sequences held as
 * (B, C, 1, L), {@code nn.Conv1d(cin, cout, 3, padding=1, padding_mode="reflect")}: parameters
 * {@code <key>.weight} (cout, cin, k, k) or (cout, cin, 3), and {@code <key>.bias}.
 */
final class Conv {
    final String key;
    final int cin, cout, kh, kw;
    final Entry weight, bias;

    private Conv(TokenizerParameters p, String key, int cin, int cout, int kh, int kw, int... weightShape) {
        this.key = key;
        this.cin = cin;
        this.cout = cout;
        this.kh = kh;
        this.kw = kw;
        int fanIn = cin * kh * kw;
        this.weight = p.add(key + ".weight", Init.CONV, fanIn, weightShape);
        this.bias = p.add(key + ".bias", Init.CONV, fanIn, cout);
    }

    /** A square k x k 2-D convolution (k = 1 or 3). */
    static Conv conv2d(TokenizerParameters p, String key, int cin, int cout, int k) {
        return new Conv(p, key, cin, cout, k, k, cout, cin, k, k);
    }

    /** A kernel-3 convolution along a sequence (B, cin, 1, L). */
    static Conv conv1d(TokenizerParameters p, String key, int cin, int cout) {
        return new Conv(p, key, cin, cout, 1, 3, cout, cin, 3);
    }

    /** Binds to {@code in}, allocating the output. */
    Layer bind(Activation in, NetBuilder nb) {
        return bind(in, nb.activation(key, cout, in.H, in.W), nb);
    }

    /** Binds to {@code in}, writing into {@code out}. */
    Layer bind(Activation in, Activation out, NetBuilder nb) {
        if (in.C != cin || out.C != cout || in.H != out.H || in.W != out.W) {
            throw new IllegalArgumentException(key + ": expects " + cin + " channels in, " + cout + " out; got "
                    + in.C + "x" + in.H + "x" + in.W + " -> " + out.C + "x" + out.H + "x" + out.W);
        }
        nb.use(weight);
        nb.use(bias);
        int B = in.B, H = in.H, W = in.W;
        return new Layer() {
            @Override
            public String name() {
                return key;
            }

            @Override
            public Activation output() {
                return out;
            }

            @Override
            public void forward(TaskGraph g) {
                g.task2d(key, Conv2d.FORWARD, B * cout, H * W, in.value, weight.value(), bias.value(), out.value,
                        B, cin, cout, H, W, kh, kw);
            }

            @Override
            public void backward(TaskGraph g) {
                if (in.grad != null) {
                    g.task2d(key + ".dx", Conv2d.BACKWARD_INPUT, B * cin, H * W, out.grad, weight.value(), in.grad,
                            B, cin, cout, H, W, kh, kw);
                }
                g.task2d(key + ".dw", Conv2d.BACKWARD_WEIGHT, cout * cin, kh * kw, out.grad, in.value, weight.grad(),
                        bias.grad(), B, cin, cout, H, W, kh, kw);
            }
        };
    }
}
