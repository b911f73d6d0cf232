package eim.model.io;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a checkpoint's tensors compare with the shapes a model expects: keys the model needs but
 * the checkpoint lacks, keys the checkpoint has but the model does not use, and keys whose shapes
 * differ.
 *
 * @param source     what was compared, for messages ("places_large.ckpt model_ema vs preset L")
 * @param matched    keys present on both sides with equal shapes
 */
public record ShapeReport(String source, int matched, List<String> missing, List<String> unexpected,
                          List<Mismatch> mismatched) {

    /** A key whose shape differs. */
    public record Mismatch(String key, long[] expected, long[] found) {
        @Override
        public String toString() {
            return key + ": expected " + Arrays.toString(expected) + ", found " + Arrays.toString(found);
        }
    }

    private static final int LISTED = 20;

    /** Compares {@code found} against {@code expected}; lists keep the maps' orders. */
    public static ShapeReport compare(String source, Map<String, long[]> expected, Map<String, long[]> found) {
        List<String> missing = new ArrayList<>();
        List<Mismatch> mismatched = new ArrayList<>();
        int matched = 0;
        for (var e : expected.entrySet()) {
            long[] f = found.get(e.getKey());
            if (f == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(f, e.getValue())) {
                mismatched.add(new Mismatch(e.getKey(), e.getValue(), f));
            } else {
                matched++;
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String k : found.keySet()) {
            if (!expected.containsKey(k)) {
                unexpected.add(k);
            }
        }
        return new ShapeReport(source, matched, List.copyOf(missing), List.copyOf(unexpected), List.copyOf(mismatched));
    }

    /** The shapes of checkpoint tensors, for {@link #compare}. */
    public static Map<String, long[]> shapes(Map<String, TensorRef> tensors) {
        Map<String, long[]> out = new LinkedHashMap<>();
        tensors.forEach((k, t) -> out.put(k, t.shape()));
        return out;
    }

    public boolean ok() {
        return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
    }

    /** Throws with {@link #format()} as the message unless every key matches. */
    public ShapeReport requireOk() {
        if (!ok()) {
            throw new IllegalArgumentException(format());
        }
        return this;
    }

    /** A readable report: a summary line, then each problem on its own line (the first 20 of each kind). */
    public String format() {
        StringBuilder b = new StringBuilder(source).append(": ");
        int expected = matched + missing.size() + mismatched.size();
        if (ok()) {
            return b.append("all ").append(matched).append(" tensors match").toString();
        }
        b.append(matched).append(" of ").append(expected).append(" expected tensors match; ")
                .append(missing.size()).append(" missing, ").append(unexpected.size()).append(" unexpected, ")
                .append(mismatched.size()).append(" with other shapes");
        section(b, "missing from the checkpoint", missing);
        section(b, "in the checkpoint but not expected", unexpected);
        section(b, "shape differs", mismatched);
        return b.toString();
    }

    private static void section(StringBuilder b, String title, List<?> items) {
        if (items.isEmpty()) {
            return;
        }
        b.append("\n  ").append(title).append(" (").append(items.size()).append("):");
        for (int i = 0; i < Math.min(LISTED, items.size()); i++) {
            b.append("\n    ").append(items.get(i));
        }
        if (items.size() > LISTED) {
            b.append("\n    ... and ").append(items.size() - LISTED).append(" more");
        }
    }

    @Override
    public String toString() {
        return format();
    }

    /** The shape of {@code key}, which must exist with {@code rank} dimensions in a {@code kind} state_dict. */
    public static long[] require(Map<String, long[]> shapes, String key, int rank, String source, String kind) {
        long[] s = shapes.get(key);
        if (s == null) {
            throw new IllegalArgumentException(source + ": no '" + key + "' tensor: not " + kind);
        }
        if (s.length != rank) {
            throw new IllegalArgumentException(source + ": '" + key + "' has shape " + java.util.Arrays.toString(s)
                    + ", expected " + rank + " dimensions");
        }
        return s;
    }

    /** How many distinct indices group 1 of {@code p} takes over the keys (blocks, levels, ...). */
    public static int countIndices(Map<String, long[]> shapes, java.util.regex.Pattern p) {
        java.util.TreeSet<Integer> seen = new java.util.TreeSet<>();
        for (String k : shapes.keySet()) {
            java.util.regex.Matcher m = p.matcher(k);
            if (m.find()) {
                seen.add(Integer.parseInt(m.group(1)));
            }
        }
        return seen.size();
    }
}
