package eim.model.tokenizer;

import eim.model.tokenizer.TokenizerParameters.Entry;
import eim.model.tokenizer.TokenizerParameters.Init;
import eim.tasks.FloatArray;
import eim.tasks.TaskGraph;
import eim.tasks.kernels.GroupNorm;

/**
 * The authors' {@code Normalize}: {@code nn.GroupNorm(groups, C, eps=1e-6)} with {@code <key>.weight}
 * and {@code <key>.bias}; bound with {@code swish = true} it is followed by {@code nonlinearity}
 * (x·sigmoid(x)) in the same kernel.
 */
final class Norm {
    final String key;
    final int channels, groups;
    final Entry weight, bias;

    Norm(TokenizerParameters p, String key, int channels, int groups) {
        this.key = key;
        this.channels = channels;
        this.groups = groups;
        this.weight = p.add(key + ".weight", Init.ONES, 0, channels);
        this.bias = p.add(key + ".bias", Init.ZEROS, 0, channels);
    }

    Layer bind(Activation in, boolean swish, NetBuilder nb) {
        if (in.C != channels) {
            throw new IllegalArgumentException(key + ": expects " + channels + " channels, got " + in.C);
        }
        nb.use(weight);
        nb.use(bias);
        int B = in.B, HW = in.plane(), silu = swish ? 1 : 0;
        Activation out = nb.activation(key, channels, in.H, in.W);
        FloatArray mean = nb.saved(key + ".mean", B * groups), rstd = nb.saved(key + ".rstd", B * groups);
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
                g.task(key, GroupNorm.FORWARD, B * groups, in.value, weight.value(), bias.value(), out.value, mean, rstd,
                        B, channels, HW, groups, TokenizerConfig.GROUP_NORM_EPS, silu);
            }

            @Override
            public void backward(TaskGraph g) {
                if (in.grad != null) {
                    g.task(key + ".dx", GroupNorm.BACKWARD_INPUT, B * groups, out.grad, in.value, weight.value(),
                            bias.value(), mean, rstd, in.grad, B, channels, HW, groups, silu);
                }
                g.task(key + ".dw", GroupNorm.BACKWARD_PARAMS, channels, out.grad, in.value, weight.value(),
                        bias.value(), mean, rstd, weight.grad(), bias.grad(), B, channels, HW, groups, silu);
            }
        };
    }
}
