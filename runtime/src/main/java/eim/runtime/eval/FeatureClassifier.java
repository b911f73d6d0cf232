package eim.runtime.eval;

import eim.model.Parameters;
import eim.model.nn.LinearLayer;
import eim.model.nn.Ops;
import eim.tasks.Device;
import eim.tasks.ExecutionPlan;
import eim.tasks.FloatArray;
import eim.tasks.TaskGraph;
import eim.tasks.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The feature space of the evaluation (the real Inception-v3 weights cannot be downloaded here): a
 * small classifier trained on the same data, whose penultimate activations are the features of the
 * Fréchet distance and whose predictions give the class accuracy of generated images.
 *
 * <p>Input: the image average-pooled to 3 x {@value #IN_H} x {@value #IN_W} (enough for class
 * layout and colour, cheap on 2 cores). Network: fc1 (1536 -> 256), GELU, fc2 (256 -> 128), GELU
 * = the features, fc3 (128 -> classes). The layers run as task graphs on any device; the loss
 * (softmax cross-entropy over a handful of classes) and Adam run on the host.
 */
public final class FeatureClassifier implements AutoCloseable {
    public static final int IN_H = 16, IN_W = 32, INPUT = 3 * IN_H * IN_W, HIDDEN = 256, FEATURES = 128;
    static final String KIND = "eim-feature-classifier";

    private final int classes, batch;
    private final Parameters params = new Parameters();
    private final LinearLayer fc1, fc2, fc3;
    private final FloatArray x, a1, h1, a2, h2, logits, dLogits, dH2, dA2, dH1, dA1;
    private final ExecutionPlan plan;

    /** A classifier for {@code classes} classes, running {@code batch} images per graph execution. */
    public FeatureClassifier(int classes, int batch, Device device) {
        if (classes < 2 || batch < 1) {
            throw new IllegalArgumentException("a classifier needs >= 2 classes and a batch >= 1");
        }
        this.classes = classes;
        this.batch = batch;
        fc1 = new LinearLayer(params, "fc1", INPUT, HIDDEN);
        fc2 = new LinearLayer(params, "fc2", HIDDEN, FEATURES);
        fc3 = new LinearLayer(params, "fc3", FEATURES, classes);
        x = new FloatArray("cls.x", batch * INPUT);
        a1 = new FloatArray("cls.a1", batch * HIDDEN);
        h1 = new FloatArray("cls.h1", batch * HIDDEN);
        a2 = new FloatArray("cls.a2", batch * FEATURES);
        h2 = new FloatArray("cls.h2", batch * FEATURES);
        logits = new FloatArray("cls.logits", batch * classes);
        dLogits = new FloatArray("cls.d_logits", batch * classes);
        dH2 = new FloatArray("cls.d_h2", batch * FEATURES);
        dA2 = new FloatArray("cls.d_a2", batch * FEATURES);
        dH1 = new FloatArray("cls.d_h1", batch * HIDDEN);
        dA1 = new FloatArray("cls.d_a1", batch * HIDDEN);
        // forward: x -> fc1 -> a1 -> GELU -> h1 -> fc2 -> a2 -> GELU -> h2 (features) -> fc3 -> logits
        TaskGraph fwd = new TaskGraph("forward");
        fc1.forward(fwd, x, a1, batch);
        Ops.gelu(fwd, a1, h1);
        fc2.forward(fwd, h1, a2, batch);
        Ops.gelu(fwd, a2, h2);
        fc3.forward(fwd, h2, logits, batch);
        // backward from dLogits (host: softmax - one-hot, / batch); gradients and d-arrays accumulate, so zero them first
        TaskGraph bwd = new TaskGraph("backward");
        for (FloatArray d : new FloatArray[] {dH2, dA2, dH1, dA1}) {
            Ops.zero(bwd, d);
        }
        for (Parameters.Param p : params.all()) {
            Ops.zero(bwd, p.grad());
        }
        fc3.backward(bwd, dLogits, h2, dH2, batch);
        Ops.geluBackward(bwd, a2, dH2, dA2);
        fc2.backward(bwd, dA2, h1, dH1, batch);
        Ops.geluBackward(bwd, a1, dH1, dA1);
        fc1.backward(bwd, dA1, x, null, batch);
        plan = new ExecutionPlan(device, fwd, bwd);
    }

    public int classes() {
        return classes;
    }

    /** Xavier-uniform weights, zero biases (PyTorch-style initialisation), from a seed. */
    public FeatureClassifier initialize(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (LinearLayer l : new LinearLayer[] {fc1, fc2, fc3}) {
            double bound = Math.sqrt(6.0 / (l.in + l.out));
            float[] w = l.w.array();
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
            }
            l.b.fill(0f);
        }
        plan.transferToDevice(fc1.w, fc2.w, fc3.w, fc1.b, fc2.b, fc3.b);
        return this;
    }

    /**
     * Average-pools a (3, h, w) image in [-1, 1] to the classifier's input grid, into {@code dst} at
     * {@code offset}. Each output cell averages the source pixels whose centres fall in it.
     */
    public static void pool(float[] chw, int h, int w, float[] dst, int offset) {
        if (chw.length != 3 * h * w) {
            throw new IllegalArgumentException("image of " + chw.length + " values is not (3, " + h + ", " + w + ")");
        }
        for (int c = 0; c < 3; c++) {
            for (int oy = 0; oy < IN_H; oy++) {
                int y0 = oy * h / IN_H, y1 = Math.max(y0 + 1, (oy + 1) * h / IN_H);
                for (int ox = 0; ox < IN_W; ox++) {
                    int x0 = ox * w / IN_W, x1 = Math.max(x0 + 1, (ox + 1) * w / IN_W);
                    double s = 0;
                    for (int y = y0; y < y1; y++) {
                        for (int xx = x0; xx < x1; xx++) {
                            s += chw[(c * h + y) * w + xx];
                        }
                    }
                    dst[offset + (c * IN_H + oy) * IN_W + ox] = (float) (s / ((y1 - y0) * (x1 - x0)));
                }
            }
        }
    }

    /** Flips a pooled input horizontally in place (the training augmentation: classes are flip-invariant). */
    static void flip(float[] in, int offset) {
        for (int row = 0; row < 3 * IN_H; row++) {
            int base = offset + row * IN_W;
            for (int i = 0, j = IN_W - 1; i < j; i++, j--) {
                float t = in[base + i];
                in[base + i] = in[base + j];
                in[base + j] = t;
            }
        }
    }

    /** Training history: the mean loss of each epoch and the accuracy on the held-out inputs. */
    public record Fit(double[] epochLoss, double heldOutAccuracy) {}

    /**
     * Trains with Adam (lr 1e-3, betas 0.9/0.999) and random horizontal flips on pooled
     * {@code inputs} (n, INPUT) with {@code labels}; the last {@code heldOut} inputs are kept for the
     * accuracy (not trained on).
     */
    public Fit train(float[] inputs, int[] labels, int heldOut, int epochs, long seed) {
        int n = labels.length, trainN = n - heldOut;
        if (inputs.length != n * INPUT || trainN < batch) {
            throw new IllegalArgumentException("classifier training needs " + n + " inputs of " + INPUT
                    + " values and at least one batch (" + batch + ") of training images, got " + trainN);
        }
        for (int l : labels) {
            if (l < 0 || l >= classes) {
                throw new IllegalArgumentException("label " + l + " outside [0, " + classes + ")");
            }
        }
        SplittableRandom r = new SplittableRandom(seed);
        Adam adam = new Adam(params, 1e-3f);
        int[] order = new int[trainN];
        for (int i = 0; i < trainN; i++) {
            order[i] = i;
        }
        double[] losses = new double[epochs];
        int[] batchLabels = new int[batch];
        for (int e = 0; e < epochs; e++) {
            for (int i = trainN - 1; i > 0; i--) {
                int j = r.nextInt(i + 1), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            double sum = 0;
            int steps = trainN / batch;
            for (int s = 0; s < steps; s++) {
                for (int b = 0; b < batch; b++) {
                    int i = order[s * batch + b];
                    System.arraycopy(inputs, i * INPUT, x.array(), b * INPUT, INPUT);
                    if (r.nextBoolean()) {
                        flip(x.array(), b * INPUT);
                    }
                    batchLabels[b] = labels[i];
                }
                plan.transferToDevice(x);
                plan.execute("forward");
                plan.transferToHost(logits);
                sum += softmaxCrossEntropy(logits.array(), batchLabels, dLogits.array(), classes);
                plan.transferToDevice(dLogits);
                plan.execute("backward");
                plan.transferToHost(params.all().stream().map(Parameters.Param::grad).toArray(FloatArray[]::new));
                adam.step();
                plan.transferToDevice(params.all().stream().map(Parameters.Param::value).toArray(FloatArray[]::new));
            }
            losses[e] = sum / steps;
        }
        double acc = Double.NaN;
        if (heldOut > 0) {
            float[] rest = java.util.Arrays.copyOfRange(inputs, trainN * INPUT, n * INPUT);
            int[] predicted = predict(rest, heldOut);
            int right = 0;
            for (int i = 0; i < heldOut; i++) {
                right += predicted[i] == labels[trainN + i] ? 1 : 0;
            }
            acc = (double) right / heldOut;
        }
        return new Fit(losses, acc);
    }

    /** Mean softmax cross-entropy of a batch; writes d(loss)/d(logits) = (softmax - onehot) / batch. */
    static double softmaxCrossEntropy(float[] logits, int[] labels, float[] dLogits, int classes) {
        int batch = labels.length;
        double loss = 0;
        for (int b = 0; b < batch; b++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                max = Math.max(max, logits[b * classes + k]);
            }
            double z = 0;
            for (int k = 0; k < classes; k++) {
                z += Math.exp(logits[b * classes + k] - max);
            }
            for (int k = 0; k < classes; k++) {
                double p = Math.exp(logits[b * classes + k] - max) / z;
                dLogits[b * classes + k] = (float) ((p - (k == labels[b] ? 1 : 0)) / batch);
            }
            loss -= logits[b * classes + labels[b]] - max - Math.log(z);
        }
        return loss / batch;
    }

    /**
     * Test hook: for the given element indices of fc1, fc2 and fc3's weights, the analytic gradient
     * of the batch's mean cross-entropy and its central difference (step 1e-2), as {analytic, numeric}.
     */
    float[][] probeGradients(float[] inputs, int[] labels, int[] fc1Idx, int[] fc2Idx, int[] fc3Idx) {
        System.arraycopy(inputs, 0, x.array(), 0, batch * INPUT);
        plan.transferToDevice(x);
        plan.execute("forward");
        plan.transferToHost(logits);
        softmaxCrossEntropy(logits.array(), labels, dLogits.array(), classes);
        plan.transferToDevice(dLogits);
        plan.execute("backward");
        java.util.List<float[]> out = new java.util.ArrayList<>();
        LinearLayer[] layers = {fc1, fc2, fc3};
        int[][] idx = {fc1Idx, fc2Idx, fc3Idx};
        for (int l = 0; l < 3; l++) {
            plan.transferToHost(layers[l].dw());
            for (int i : idx[l]) {
                float analytic = layers[l].dw().get(i), w0 = layers[l].w.get(i);
                double[] loss = new double[2];
                for (int side = 0; side < 2; side++) {
                    layers[l].w.set(i, w0 + (side == 0 ? 1e-2f : -1e-2f));
                    plan.transferToDevice(layers[l].w);
                    plan.execute("forward");
                    plan.transferToHost(logits);
                    loss[side] = softmaxCrossEntropy(logits.array(), labels, new float[batch * classes], classes);
                }
                layers[l].w.set(i, w0);
                plan.transferToDevice(layers[l].w);
                out.add(new float[] {analytic, (float) ((loss[0] - loss[1]) / 2e-2)});
            }
        }
        return out.toArray(float[][]::new);
    }

    /** Features (n, FEATURES) of the first n pooled inputs (INPUT values each). */
    public float[] features(float[] inputs, int n) {
        float[] out = new float[n * FEATURES];
        run(inputs, n, (from, count) -> System.arraycopy(h2.array(), 0, out, from * FEATURES, count * FEATURES));
        return out;
    }

    /** Predicted class of each of the first n pooled inputs. */
    public int[] predict(float[] inputs, int n) {
        int[] out = new int[n];
        run(inputs, n, (from, count) -> {
            float[] l = logits.array();
            for (int b = 0; b < count; b++) {
                int best = 0;
                for (int k = 1; k < classes; k++) {
                    if (l[b * classes + k] > l[b * classes + best]) {
                        best = k;
                    }
                }
                out[from + b] = best;
            }
        });
        return out;
    }

    private interface Chunk {
        void done(int from, int count);
    }

    /** Runs the forward graph over n inputs, a batch at a time (the last one zero-padded). */
    private void run(float[] inputs, int n, Chunk chunk) {
        if (n < 0 || inputs.length < (long) n * INPUT) {
            throw new IllegalArgumentException("expected " + n + " inputs of " + INPUT + " values, got " + inputs.length);
        }
        for (int from = 0; from < n; from += batch) {
            int count = Math.min(batch, n - from);
            java.util.Arrays.fill(x.array(), 0f);
            System.arraycopy(inputs, from * INPUT, x.array(), 0, count * INPUT);
            plan.transferToDevice(x);
            plan.execute("forward");
            plan.transferToHost(h2, logits);
            chunk.done(from, count);
        }
    }

    public void save(Path file) throws IOException {
        plan.transferToHost(params.all().stream().map(Parameters.Param::value).toArray(FloatArray[]::new));
        SafeTensors.write(file, params.toTensors(""), Map.of("kind", KIND, "classes", "" + classes));
    }

    /** Loads a classifier saved by {@link #save}. */
    public static FeatureClassifier load(Path file, int batch, Device device) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        if (!KIND.equals(c.metadata().get("kind"))) {
            throw new IllegalArgumentException(file + ": not a feature classifier (metadata kind " + c.metadata().get("kind") + ")");
        }
        int classes;
        try {
            classes = Integer.parseInt(c.metadata().get("classes"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": metadata 'classes' is not a number");
        }
        FeatureClassifier f = new FeatureClassifier(classes, batch, device);
        f.params.load(c.tensors(), "", file.toString());
        f.plan.transferToDevice(f.params.all().stream().map(Parameters.Param::value).toArray(FloatArray[]::new));
        return f;
    }

    @Override
    public void close() {
        plan.free();
    }

    /** Plain Adam on the host (a few hundred thousand parameters: negligible next to the layers). */
    private static final class Adam {
        private final Parameters params;
        private final float lr;
        private final float[][] m, v;
        private int t;

        Adam(Parameters params, float lr) {
            this.params = params;
            this.lr = lr;
            var all = params.all();
            m = new float[all.size()][];
            v = new float[all.size()][];
            for (int i = 0; i < all.size(); i++) {
                m[i] = new float[all.get(i).size()];
                v[i] = new float[all.get(i).size()];
            }
        }

        void step() {
            t++;
            double bc1 = 1 - Math.pow(0.9, t), bc2 = 1 - Math.pow(0.999, t);
            var all = params.all();
            for (int i = 0; i < all.size(); i++) {
                float[] w = all.get(i).value().array(), g = all.get(i).grad().array(), mi = m[i], vi = v[i];
                for (int j = 0; j < w.length; j++) {
                    mi[j] = 0.9f * mi[j] + 0.1f * g[j];
                    vi[j] = 0.999f * vi[j] + 0.001f * g[j] * g[j];
                    w[j] -= (float) (lr * (mi[j] / bc1) / (Math.sqrt(vi[j] / bc2) + 1e-8));
                }
            }
        }
    }
}
