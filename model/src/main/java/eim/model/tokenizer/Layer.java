package eim.model.tokenizer;

import eim.tasks.TaskGraph;

/**
 * A module bound to one input (and so to a batch size and a spatial size): it owns its output
 * and intermediate activations and declares its tasks.
 */
interface Layer {
    /** Names its graph and tasks: the authors' module path, e.g. encoder.down.1.block.0. */
    String name();

    Activation output();

    /** Appends the forward tasks. */
    void forward(TaskGraph g);

    /**
     * Appends the backward tasks: read {@code output().grad}, accumulate into the input's gradient
     * (when it has one) and into the parameters' gradients.
     */
    void backward(TaskGraph g);
}
