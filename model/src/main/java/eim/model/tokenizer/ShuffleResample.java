package eim.model.tokenizer;

import eim.tasks.TaskGraph;
import eim.tasks.kernels.ChannelGroups;
import eim.tasks.kernels.PixelShuffle;
import java.util.List;

/**
 * The authors' 2x2 shuffle resamplers with their parameter-free residual paths.
 * <ul>
 * <li>{@code DownsampleShuffleResidual} (C, H, W) -> (C, H/2, W/2):
 *     out = unshuffle(conv(x) to C/4) + groupmean₄(unshuffle(x)).</li>
 * <li>{@code UpsampleShuffleResidual} (C, H, W) -> (C, 2H, 2W):
 *     out = shuffle(conv(x) to 4C) + shuffle(repeat_interleave₄(x)).</li>
 * </ul>
 * The conv is {@code <key>.conv.conv} (a DownsampleShuffle / UpsampleShuffle module inside).
 */
final class ShuffleResample {
    final String key;
    final int channels;
    final boolean down;
    final Conv conv;

    private ShuffleResample(TokenizerParameters p, String key, int channels, boolean down) {
        this.key = key;
        this.channels = channels;
        this.down = down;
        this.conv = Conv.conv2d(p, key + ".conv.conv", channels, down ? channels / 4 : channels * 4, 3);
    }

    static ShuffleResample down(TokenizerParameters p, String key, int channels) {
        return new ShuffleResample(p, key, channels, true);
    }

    static ShuffleResample up(TokenizerParameters p, String key, int channels) {
        return new ShuffleResample(p, key, channels, false);
    }

    Layer bind(Activation x, NetBuilder nb) {
        if (x.C != channels) {
            throw new IllegalArgumentException(key + ": expects " + channels + " channels, got " + x.C);
        }
        if (down && (x.H % 2 != 0 || x.W % 2 != 0)) {
            throw new IllegalArgumentException(key + ": cannot halve a " + x.H + "x" + x.W + " feature map");
        }
        Layer c = conv.bind(x, nb);
        return down ? bindDown(x, c, nb) : bindUp(x, c, nb);
    }

    private Layer bindDown(Activation x, Layer c, NetBuilder nb) {
        int B = x.B, C = channels, H = x.H, W = x.W, outPlane = (H / 2) * (W / 2);
        Activation t = c.output();                                          // (C/4, H, W)
        Activation out = nb.activation(key, C, H / 2, W / 2);
        Activation unshuffled = nb.activation(key + ".unshuffled", 4 * C, H / 2, W / 2);
        Sequence resample = new Sequence(key, List.of(c), out, new Sequence.Extra() {
            @Override
            public void forward(TaskGraph g) {
                g.task2d(key + ".shuffle", PixelShuffle.UNSHUFFLE, B * C, outPlane, t.value, out.value, B, C / 4, H, W, 0);
                g.task2d(key + ".residual.unshuffle", PixelShuffle.UNSHUFFLE, B * 4 * C, outPlane, x.value,
                        unshuffled.value, B, C, H, W, 0);
                g.task2d(key + ".residual.mean", ChannelGroups.GROUP_SUM, B * C, outPlane, unshuffled.value, out.value,
                        B, C, outPlane, 4, 0.25f, 1);
            }

            @Override
            public void backward(TaskGraph g) {
                g.task2d(key + ".shuffle.dx", PixelShuffle.SHUFFLE, B * (C / 4), 4 * outPlane, out.grad, t.grad,
                        B, C / 4, H / 2, W / 2, 1);
                if (x.grad != null) {
                    g.task2d(key + ".residual.mean.dx", ChannelGroups.REPEAT_INTERLEAVE, B * 4 * C, outPlane, out.grad,
                            unshuffled.grad, B, C, outPlane, 4, 0.25f, 0);
                    g.task2d(key + ".residual.unshuffle.dx", PixelShuffle.SHUFFLE, B * C, 4 * outPlane,
                            unshuffled.grad, x.grad, B, C, H / 2, W / 2, 1);
                }
            }
        });
        nb.release(t);
        nb.release(unshuffled);
        return resample;
    }

    private Layer bindUp(Activation x, Layer c, NetBuilder nb) {
        int B = x.B, C = channels, H = x.H, W = x.W, plane = H * W;
        Activation t = c.output();                                          // (4C, H, W)
        Activation out = nb.activation(key, C, 2 * H, 2 * W);
        Activation repeated = nb.activation(key + ".repeated", 4 * C, H, W);
        Sequence resample = new Sequence(key, List.of(c), out, new Sequence.Extra() {
            @Override
            public void forward(TaskGraph g) {
                g.task2d(key + ".shuffle", PixelShuffle.SHUFFLE, B * C, 4 * plane, t.value, out.value, B, C, H, W, 0);
                g.task2d(key + ".residual.repeat", ChannelGroups.REPEAT_INTERLEAVE, B * 4 * C, plane, x.value,
                        repeated.value, B, C, plane, 4, 1f, 0);
                g.task2d(key + ".residual.shuffle", PixelShuffle.SHUFFLE, B * C, 4 * plane, repeated.value, out.value,
                        B, C, H, W, 1);
            }

            @Override
            public void backward(TaskGraph g) {
                g.task2d(key + ".shuffle.dx", PixelShuffle.UNSHUFFLE, B * 4 * C, plane, out.grad, t.grad,
                        B, C, 2 * H, 2 * W, 1);
                if (x.grad != null) {
                    g.task2d(key + ".residual.shuffle.dx", PixelShuffle.UNSHUFFLE, B * 4 * C, plane, out.grad,
                            repeated.grad, B, C, 2 * H, 2 * W, 0);
                    g.task2d(key + ".residual.repeat.dx", ChannelGroups.GROUP_SUM, B * C, plane, repeated.grad, x.grad,
                            B, C, plane, 4, 1f, 1);
                }
            }
        });
        nb.release(t);
        nb.release(repeated);
        return resample;
    }
}
