package eim.model.tokenizer;

import eim.tasks.DataTransferMode;
import eim.tasks.Device;
import eim.tasks.DeviceArray;
import eim.tasks.ExecutionPlan;
import eim.tasks.FloatArray;
import eim.tasks.TaskGraph;
import eim.tasks.kernels.Elementwise;
import java.util.ArrayList;
import java.util.List;

/**
 * One half of the tokenizer (encoder or decoder) bound to a batch size and an input size, as an
 * execution plan: one forward graph per block (and, for training, a gradient-zeroing graph and one
 * backward graph per block, in reverse). The host arrays {@link #input()}, {@link #output()},
 * {@link #outputGrad()} and {@link #inputGrad()} are the interface; parameters stay on the device
 * between runs and are re-sent by {@link #parametersChanged()}.
 *
 * <p>Layouts: images (B, 3, H, W); latents channel-major (B, embed, L) (see {@link Tokenizer} for
 * the sequence-major token layout).
 */
public final class Network implements AutoCloseable {
    private final String name;
    private final Activation input, output;
    private final List<TokenizerParameters.Entry> params;
    private final ExecutionPlan plan;
    private final List<String> forwardGraphs = new ArrayList<>(), backwardGraphs = new ArrayList<>();
    private final boolean training;
    private final long activationFloats;

    Network(String name, Device device, Activation input, List<Layer> layers, NetBuilder nb) {
        this.name = name;
        this.input = input;
        this.output = layers.getLast().output();
        this.params = nb.usedParameters();
        this.training = nb.training;
        this.activationFloats = nb.allocatedFloats();
        List<TaskGraph> graphs = new ArrayList<>();
        FloatArray[] values = params.stream().map(TokenizerParameters.Entry::value).toArray(FloatArray[]::new);
        for (int i = 0; i < layers.size(); i++) {
            TaskGraph g = new TaskGraph(name + ".forward." + i + "." + layers.get(i).name());
            if (i == 0) {
                // inference: the weights are sent once and stay on the device; training changes them every step
                g.transferToDevice(training ? DataTransferMode.EVERY_EXECUTION : DataTransferMode.FIRST_EXECUTION, values);
                g.transferToDevice(DataTransferMode.EVERY_EXECUTION, input.value);
            }
            layers.get(i).forward(g);
            if (i == layers.size() - 1) {
                g.transferToHost(DataTransferMode.EVERY_EXECUTION, output.value);
            }
            graphs.add(g);
            forwardGraphs.add(g.name());
        }
        if (training) {
            TaskGraph zero = new TaskGraph(name + ".zero_grad");
            List<DeviceArray> toZero = new ArrayList<>(nb.activationGradients());
            toZero.remove(output.grad); // set by the caller on the host
            params.forEach(p -> toZero.add(p.grad()));
            for (DeviceArray a : toZero) {
                zero.task("zero." + a.name(), Elementwise.FILL, a.size(), a, 0f, a.size());
            }
            graphs.add(zero);
            backwardGraphs.add(zero.name());
            for (int i = layers.size() - 1; i >= 0; i--) {
                TaskGraph g = new TaskGraph(name + ".backward." + i + "." + layers.get(i).name());
                if (i == layers.size() - 1) {
                    g.transferToDevice(DataTransferMode.EVERY_EXECUTION, output.grad);
                }
                layers.get(i).backward(g);
                // parameter gradients stay on the device for the optimizer (gradientsToHost brings them)
                if (i == 0 && input.grad != null) {
                    g.transferToHost(DataTransferMode.EVERY_EXECUTION, input.grad);
                }
                graphs.add(g);
                backwardGraphs.add(g.name());
            }
        }
        this.plan = new ExecutionPlan(device, graphs);
    }

    public String name() {
        return name;
    }

    /** Host array of the input: fill it, then {@link #forward()}. */
    public FloatArray input() {
        return input.value;
    }

    /** Host array of the output after {@link #forward()}. */
    public FloatArray output() {
        return output.value;
    }

    /** Host array of d loss / d output: fill it, then {@link #backward()}. Training networks only. */
    public FloatArray outputGrad() {
        requireTraining();
        return output.grad;
    }

    /** Host array of d loss / d input after {@link #backward()} (null for the encoder, whose images need none). */
    public FloatArray inputGrad() {
        requireTraining();
        return input.grad;
    }

    public int batch() {
        return input.B;
    }

    /** Input shape (C, H, W) per sample. */
    public int[] inputShape() {
        return new int[] {input.C, input.H, input.W};
    }

    /** Output shape (C, H, W) per sample. */
    public int[] outputShape() {
        return new int[] {output.C, output.H, output.W};
    }

    public boolean training() {
        return training;
    }

    /**
     * Floats of activation storage (values, and gradients when training) beside the parameters:
     * inference recycles buffers, so this is a few activations of the largest level.
     */
    public long activationFloats() {
        return activationFloats;
    }

    /** Runs the forward graphs: input to the device, output back to the host. */
    public void forward() {
        plan.execute(forwardGraphs.toArray(String[]::new));
    }

    /**
     * Runs the backward graphs after a {@link #forward()} of the same input: zeroes every gradient,
     * accumulates this network's parameter gradients on the device and brings {@link #inputGrad()}
     * to the host.
     */
    public void backward() {
        requireTraining();
        plan.execute(backwardGraphs.toArray(String[]::new));
    }

    /** Brings this network's parameter gradients to the host (the device optimizer does not need it). */
    public void gradientsToHost() {
        requireTraining();
        plan.transferToHost(params.stream().map(TokenizerParameters.Entry::grad).toArray(FloatArray[]::new));
    }

    /** Re-sends the parameter values after the host changed them (an optimizer step, a load). */
    public void parametersChanged() {
        plan.transferToDevice(params.stream().map(TokenizerParameters.Entry::value).toArray(FloatArray[]::new));
    }

    private void requireTraining() {
        if (!training) {
            throw new IllegalStateException(name + " was built for inference: no gradients");
        }
    }

    @Override
    public void close() {
        plan.close();
    }

    /** Frees this network's device storage (not the parameters', which other networks share). */
    void free() {
        plan.free();
    }
}
