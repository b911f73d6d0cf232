package eim.model.tokenizer;

import eim.tasks.FloatArray;
import eim.tasks.TaskGraph;
import eim.tasks.kernels.Elementwise;
import eim.tasks.kernels.SpatialAttention;
import java.util.List;

/**
 * The authors' {@code AttnBlock}: h = norm(x); q, k, v = 1x1 convs of h; softmax attention over all
 * H·W positions with scale C^-½; out = x + proj_out(attention).
 */
final class AttnBlock {
    final String key;
    final int channels;
    final Norm norm;
    final Conv q, k, v, projOut;

    AttnBlock(TokenizerParameters p, String key, int channels, int groups) {
        this.key = key;
        this.channels = channels;
        norm = new Norm(p, key + ".norm", channels, groups);
        q = Conv.conv2d(p, key + ".q", channels, channels, 1);
        k = Conv.conv2d(p, key + ".k", channels, channels, 1);
        v = Conv.conv2d(p, key + ".v", channels, channels, 1);
        projOut = Conv.conv2d(p, key + ".proj_out", channels, channels, 1);
    }

    Layer bind(Activation x, NetBuilder nb) {
        Layer n = norm.bind(x, false, nb);
        Layer lq = q.bind(n.output(), nb), lk = k.bind(n.output(), nb), lv = v.bind(n.output(), nb);
        Activation qa = lq.output(), ka = lk.output(), va = lv.output();
        nb.release(n.output());
        Activation attended = nb.activation(key + ".attention", channels, x.H, x.W);
        int B = x.B, C = channels, N = x.plane();
        FloatArray lse = nb.saved(key + ".lse", B * N), delta = nb.saved(key + ".delta", B * N);
        Layer attention = new Layer() {
            @Override
            public String name() {
                return key + ".attention";
            }

            @Override
            public Activation output() {
                return attended;
            }

            @Override
            public void forward(TaskGraph g) {
                g.task(name(), SpatialAttention.FORWARD, B * N, qa.value, ka.value, va.value, attended.value, lse, B, C, N);
            }

            @Override
            public void backward(TaskGraph g) {
                g.task(name() + ".delta", SpatialAttention.DELTA, B * N, attended.value, attended.grad, delta, B, C, N);
                g.task(name() + ".dq", SpatialAttention.BACKWARD_QUERY, B * N, qa.value, ka.value, va.value,
                        attended.grad, lse, delta, qa.grad, B, C, N);
                g.task(name() + ".dkv", SpatialAttention.BACKWARD_KEY_VALUE, B * N, qa.value, ka.value, va.value,
                        attended.grad, lse, delta, ka.grad, va.grad, B, C, N);
            }
        };
        nb.release(qa);
        nb.release(ka);
        nb.release(va);
        Layer proj = projOut.bind(attended, nb);
        nb.release(attended);
        Activation out = proj.output();
        return new Sequence(key, List.of(n, lq, lk, lv, attention, proj), out, new Sequence.Extra() {
            @Override
            public void forward(TaskGraph g) {
                g.task(key + ".residual", Elementwise.ADD_INPLACE, out.size(), out.value, x.value, out.size());
            }

            @Override
            public void backward(TaskGraph g) {
                if (x.grad != null) {
                    g.task(key + ".residual.dx", Elementwise.ADD_INPLACE, x.size(), x.grad, out.grad, x.size());
                }
            }
        });
    }
}
