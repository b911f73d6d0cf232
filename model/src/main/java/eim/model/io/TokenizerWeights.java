package eim.model.io;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The authors' tokenizer checkpoint (a PyTorch Lightning checkpoint of EquivariantTokenizer) split
 * by role. Its {@code state_dict} holds the modules' weights ({@code encoder.*}, {@code decoder.*},
 * {@code semantic_decoder.*}, {@code quant_layer.*}, {@code post_quant_layer.*}), training-only
 * entries ({@code loss.*}: LPIPS, discriminator) and one LitEma per module (tokenizer/ema.py):
 * {@code ema_<module>.<parameter name with the dots removed>} for every trainable parameter, plus
 * {@code ema_<module>.decay} and {@code ema_<module>.num_updates}.
 *
 * @param weights      module weights by state_dict key ("encoder.conv_in.weight")
 * @param ema          EMA copies, keyed by the module key they shadow ("encoder.conv_in.weight")
 * @param emaCounters  the LitEma bookkeeping buffers (decay, num_updates) by state_dict key
 * @param other        everything else (loss.*, unknown entries) by state_dict key
 * @param unmatchedEma EMA entries whose module key could not be found
 */
public record TokenizerWeights(Map<String, TensorRef> weights, Map<String, TensorRef> ema,
                               Map<String, TensorRef> emaCounters, Map<String, TensorRef> other,
                               List<String> unmatchedEma) {

    /** Modules that carry an EMA copy, in the order ema_scope swaps them. */
    public static final List<String> EMA_MODULES =
            List.of("encoder", "decoder", "semantic_decoder", "quant_layer", "post_quant_layer");
    private static final Set<String> COUNTERS = Set.of("decay", "num_updates");

    /** Splits {@code ckpt}'s "state_dict". */
    public static TokenizerWeights read(TorchCheckpoint ckpt) throws IOException {
        return split(ckpt.tensors("state_dict"), List.of());
    }

    /**
     * Splits a tokenizer state_dict. EMA names are mapped back through the module keys present in
     * the state_dict and in {@code knownModuleKeys} (the model's own keys, for checkpoints that
     * carry EMA copies only).
     */
    public static TokenizerWeights split(Map<String, TensorRef> stateDict, Collection<String> knownModuleKeys) {
        Map<String, TensorRef> weights = new LinkedHashMap<>();
        Map<String, TensorRef> emaByName = new LinkedHashMap<>();
        Map<String, TensorRef> counters = new LinkedHashMap<>();
        Map<String, TensorRef> other = new LinkedHashMap<>();
        for (var e : stateDict.entrySet()) {
            String key = e.getKey();
            String module = moduleOf(key);
            if (EMA_MODULES.contains(module)) {
                weights.put(key, e.getValue());
            } else if (module.startsWith("ema_") && EMA_MODULES.contains(module.substring(4))) {
                (COUNTERS.contains(key.substring(module.length() + 1)) ? counters : emaByName).put(key, e.getValue());
            } else {
                other.put(key, e.getValue());
            }
        }
        Set<String> moduleKeys = new LinkedHashSet<>(weights.keySet());
        for (String k : knownModuleKeys) {
            if (EMA_MODULES.contains(moduleOf(k))) {
                moduleKeys.add(k);
            }
        }
        Map<String, String> moduleKeyByEmaKey = new HashMap<>();
        for (String k : moduleKeys) {
            String previous = moduleKeyByEmaKey.put(emaKey(k), k);
            if (previous != null && !previous.equals(k)) {
                throw new IllegalArgumentException("tokenizer keys '" + previous + "' and '" + k
                        + "' share the EMA name '" + emaKey(k) + "': the EMA copies cannot be told apart");
            }
        }
        Map<String, TensorRef> ema = new LinkedHashMap<>();
        List<String> unmatched = new ArrayList<>();
        for (var e : emaByName.entrySet()) {
            String moduleKey = moduleKeyByEmaKey.get(e.getKey());
            if (moduleKey == null) {
                unmatched.add(e.getKey());
            } else {
                ema.put(moduleKey, e.getValue());
            }
        }
        return new TokenizerWeights(weights, ema, counters, other, List.copyOf(unmatched));
    }

    /** LitEma's buffer name for a module parameter: "encoder.conv_in.weight" -> "ema_encoder.conv_inweight". */
    public static String emaKey(String moduleKey) {
        String module = moduleOf(moduleKey);
        return "ema_" + module + "." + moduleKey.substring(module.length() + 1).replace(".", "");
    }

    private static String moduleOf(String key) {
        int dot = key.indexOf('.');
        return dot < 0 ? key : key.substring(0, dot);
    }

    /**
     * The modules' weights, with each EMA copy in place of the weight it shadows when
     * {@code useEma} (what the authors' ema_scope does before sampling or evaluation).
     */
    public Map<String, TensorRef> select(boolean useEma) {
        if (!useEma) {
            return weights;
        }
        if (ema.isEmpty()) {
            throw new IllegalArgumentException("the tokenizer checkpoint holds no EMA copies (no ema_<module>.* entries)");
        }
        Map<String, TensorRef> out = new LinkedHashMap<>(weights);
        out.putAll(ema);
        return out;
    }

    /** One line per role, for logs and the inspect command. */
    public String summary() {
        return "tokenizer state_dict: " + weights.size() + " module weights, " + ema.size() + " EMA copies, "
                + emaCounters.size() + " EMA counters, " + other.size() + " other entries (loss.*)"
                + (unmatchedEma.isEmpty() ? "" : ", " + unmatchedEma.size() + " EMA entries without a module key: "
                + unmatchedEma.subList(0, Math.min(5, unmatchedEma.size())));
    }
}
