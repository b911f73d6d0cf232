package eim.model.tokenizer;

import eim.tasks.TaskGraph;
import eim.tasks.kernels.Elementwise;
import java.util.ArrayList;
import java.util.List;

/**
 * The authors' {@code ResnetBlock} without time embedding or dropout (temb_channels 0, dropout 0):
 * h = conv2(swish(norm2(conv1(swish(norm1(x)))))); out = shortcut(x) + h with shortcut the
 * 1x1 {@code nin_shortcut} when the channel count changes, else the identity.
 */
final class ResnetBlock {
    final String key;
    final int cin, cout;
    final Norm norm1, norm2;
    final Conv conv1, conv2, ninShortcut;

    ResnetBlock(TokenizerParameters p, String key, int cin, int cout, int groups) {
        this.key = key;
        this.cin = cin;
        this.cout = cout;
        norm1 = new Norm(p, key + ".norm1", cin, groups);
        conv1 = Conv.conv2d(p, key + ".conv1", cin, cout, 3);
        norm2 = new Norm(p, key + ".norm2", cout, groups);
        conv2 = Conv.conv2d(p, key + ".conv2", cout, cout, 3);
        ninShortcut = cin != cout ? Conv.conv2d(p, key + ".nin_shortcut", cin, cout, 1) : null;
    }

    Layer bind(Activation x, NetBuilder nb) {
        List<Layer> layers = new ArrayList<>();
        layers.add(norm1.bind(x, true, nb));
        nb.chain(layers, conv1.bind(layers.getLast().output(), nb));
        nb.chain(layers, norm2.bind(layers.getLast().output(), true, nb));
        Layer last = conv2.bind(layers.getLast().output(), nb);
        nb.chain(layers, last);
        Activation out = last.output();
        Activation shortcut = x;
        if (ninShortcut != null) {
            Layer nin = ninShortcut.bind(x, nb.branchInto(key + ".nin_shortcut", out), nb);
            layers.add(nin);
            shortcut = nin.output();
        }
        Activation added = shortcut;
        boolean identity = ninShortcut == null;
        Sequence block = new Sequence(key, layers, out, new Sequence.Extra() {
            @Override
            public void forward(TaskGraph g) {
                g.task(key + ".residual", Elementwise.ADD_INPLACE, out.size(), out.value, added.value, out.size());
            }

            @Override
            public void backward(TaskGraph g) {
                // the nin_shortcut reads out.grad itself (its output shares it); the identity adds it here
                if (identity && x.grad != null) {
                    g.task(key + ".residual.dx", Elementwise.ADD_INPLACE, x.size(), x.grad, out.grad, x.size());
                }
            }
        });
        if (!identity) {
            nb.release(added); // read by the residual add, the block's last task
        }
        return block;
    }
}
