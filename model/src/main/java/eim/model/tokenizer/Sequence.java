package eim.model.tokenizer;

import eim.tasks.TaskGraph;
import java.util.List;

/** Layers run one after another as one (named) layer: a block of a level, say. */
final class Sequence implements Layer {
    private final String name;
    private final List<Layer> layers;
    private final Activation output;
    private final Extra extra;

    /** Tasks a composite adds after its sub-layers' forward and before their backward (residual adds). */
    interface Extra {
        void forward(TaskGraph g);

        void backward(TaskGraph g);
    }

    Sequence(String name, List<Layer> layers, Activation output, Extra extra) {
        this.name = name;
        this.layers = List.copyOf(layers);
        this.output = output;
        this.extra = extra;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Activation output() {
        return output;
    }

    @Override
    public void forward(TaskGraph g) {
        for (Layer l : layers) {
            l.forward(g);
        }
        if (extra != null) {
            extra.forward(g);
        }
    }

    @Override
    public void backward(TaskGraph g) {
        if (extra != null) {
            extra.backward(g);
        }
        for (int i = layers.size() - 1; i >= 0; i--) {
            layers.get(i).backward(g);
        }
    }
}
