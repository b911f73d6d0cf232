package eim.model.io;

import java.io.IOException;
import java.util.Map;

/**
 * The authors' generator checkpoint (util/misc.py save_model): {@code model} and {@code model_ema}
 * are EquivariantGenerativeModel state_dicts with the same keys; the EMA one holds the weights
 * used for sampling. {@code optimizer}, {@code epoch}, {@code scaler} and {@code args} are left alone.
 *
 * @param model the trained weights by state_dict key
 * @param ema   the EMA weights by state_dict key; empty when the checkpoint has none
 */
public record GeneratorWeights(Map<String, TensorRef> model, Map<String, TensorRef> ema) {

    public static GeneratorWeights read(TorchCheckpoint ckpt) throws IOException {
        Map<String, TensorRef> model = ckpt.tensors("model");
        boolean hasEma = ckpt.topLevelKeys().contains("model_ema") && ckpt.get("model_ema") != null;
        return new GeneratorWeights(model, hasEma ? ckpt.tensors("model_ema") : Map.of());
    }

    /** The EMA weights when {@code useEma} (the default for sampling), else the trained ones. */
    public Map<String, TensorRef> select(boolean useEma) {
        if (useEma && ema.isEmpty()) {
            throw new IllegalArgumentException("the generator checkpoint has no model_ema weights; use the model weights");
        }
        return useEma ? ema : model;
    }
}
