package eim.model.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Lists the tensors of a checkpoint (name, dtype, shape) without reading their values: PyTorch
 * checkpoints (.ckpt, .pth: {@link TorchCheckpoint}) and safetensors files (only the header is
 * read, so a multi-gigabyte file costs a few kilobytes). For the authors' layouts it adds what the
 * keys say: the tokenizer's EMA split, the generator's inferred sizes.
 */
public final class Inspect {

    /** One tensor: its path in the file, element type and shape. */
    public record Entry(String name, String dtype, long[] shape) {
        public long numel() {
            return eim.tasks.io.Tensor.numel(shape);
        }
    }

    /**
     * What a file holds.
     *
     * @param format "pytorch" or "safetensors"
     * @param notes  lines about the structure (top-level keys, recognised layouts, metadata)
     */
    public record Listing(Path file, String format, List<Entry> entries, List<String> notes) {
        public long totalValues() {
            return entries.stream().mapToLong(Entry::numel).sum();
        }

        /** A header line, the notes, then one aligned line per tensor whose name contains {@code filter}. */
        public String render(String filter) {
            List<Entry> shown = entries.stream().filter(e -> filter == null || e.name().contains(filter)).toList();
            StringBuilder b = new StringBuilder();
            b.append(file.getFileName()).append(": ").append(format).append(", ").append(entries.size())
                    .append(" tensors, ").append(String.format(Locale.ROOT, "%,d", totalValues())).append(" values\n");
            for (String n : notes) {
                b.append("  ").append(n).append('\n');
            }
            // long names (Lightning callback keys) do not widen every line
            int nameWidth = Math.min(72, shown.stream().mapToInt(e -> e.name().length()).max().orElse(0));
            int typeWidth = shown.stream().mapToInt(e -> e.dtype().length()).max().orElse(0);
            for (Entry e : shown) {
                b.append(String.format(Locale.ROOT, "%-" + nameWidth + "s  %-" + typeWidth + "s  %s%n", e.name(),
                        e.dtype(), Arrays.toString(e.shape())));
            }
            if (filter != null) {
                b.append(shown.size()).append(" of ").append(entries.size()).append(" tensors match '").append(filter)
                        .append("'\n");
            }
            return b.toString();
        }
    }

    private Inspect() {}

    /** Lists {@code file}: safetensors by its extension, anything else as a PyTorch checkpoint. */
    public static Listing of(Path file) throws IOException {
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file + ": no such file");
        }
        return file.getFileName().toString().endsWith(".safetensors") ? safetensors(file) : pytorch(file);
    }

    static Listing pytorch(Path file) throws IOException {
        try (TorchCheckpoint c = TorchCheckpoint.open(file)) {
            List<Entry> entries = new ArrayList<>();
            for (TensorRef t : c.allTensors().values()) {
                entries.add(new Entry(t.name(), t.dtypeName(), t.shape()));
            }
            List<String> notes = new ArrayList<>();
            if (!(c.root() instanceof Map<?, ?>)) {
                notes.add("top-level object: " + Pickle.describe(c.root()));
                return new Listing(file, "pytorch", entries, notes);
            }
            List<String> keys = c.topLevelKeys();
            notes.add("top-level keys: " + String.join(", ", keys));
            if (keys.contains("state_dict") && c.get("state_dict") instanceof Map<?, ?>) {
                TokenizerWeights t = TokenizerWeights.read(c);
                if (!t.weights().isEmpty()) {
                    notes.add(t.summary());
                }
            }
            if (keys.contains("model") && c.get("model") instanceof Map<?, ?>) {
                notes.add(generatorNote(c));
            }
            return new Listing(file, "pytorch", entries, notes);
        }
    }

    private static String generatorNote(TorchCheckpoint c) throws IOException {
        GeneratorWeights g = GeneratorWeights.read(c);
        String ema = g.ema().isEmpty() ? "no model_ema" : "model_ema with " + g.ema().size() + " tensors";
        try {
            Map<String, long[]> shapes = ShapeReport.shapes(g.model());
            long width = shapes.containsKey("z_proj.weight") ? shapes.get("z_proj.weight")[0] : 0;
            var cfg = width % 64 == 0 ? GeneratorShapes.infer(shapes, "model")
                    : GeneratorShapes.infer(shapes, "model", 1, 3);
            return "generator model (" + g.model().size() + " tensors, " + ema + "): width " + cfg.width() + ", depth "
                    + cfg.depth() + ", token channels " + cfg.tokenChannels() + ", buffer " + cfg.bufferSize()
                    + ", classes " + cfg.numClasses() + ", MLP ratio " + cfg.mlpRatio() + ", head width "
                    + cfg.headWidth() + ", head depth " + cfg.headDepth()
                    + (width % 64 == 0 ? ", heads " + cfg.heads() + " (width/64)" : "");
        } catch (IllegalArgumentException e) {
            return "'model' (" + g.model().size() + " tensors, " + ema + ") is not the authors' generator layout: "
                    + e.getMessage().lines().findFirst().orElse("");
        }
    }

    /** Reads only the 8-byte length and the JSON header. */
    static Listing safetensors(Path file) throws IOException {
        JsonObject header;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            long n = size >= 8 ? len.flip().getLong() : -1;
            if (n <= 0 || n > 100L << 20 || 8 + n > size) {
                throw new IOException(file + ": not a safetensors file (header length " + n + " in a file of " + size
                        + " bytes)");
            }
            ByteBuffer json = ByteBuffer.allocate((int) n);
            while (json.hasRemaining() && ch.read(json, 8 + json.position()) > 0) {
                // read the header
            }
            try {
                header = JsonParser.parseString(new String(json.array(), StandardCharsets.UTF_8)).getAsJsonObject();
            } catch (RuntimeException e) {
                throw new IOException(file + ": safetensors header is not a JSON object: " + e.getMessage(), e);
            }
        }
        List<Entry> entries = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                e.getValue().getAsJsonObject().entrySet().forEach(m -> notes.add(m.getKey() + " = " + m.getValue().getAsString()));
                continue;
            }
            JsonObject d = e.getValue().getAsJsonObject();
            var sh = d.getAsJsonArray("shape");
            long[] shape = new long[sh.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = sh.get(i).getAsLong();
            }
            entries.add(new Entry(e.getKey(), safetensorsDType(d.get("dtype").getAsString()), shape));
        }
        return new Listing(file, "safetensors", entries, notes);
    }

    /** Safetensors dtype codes under PyTorch's names, so both formats print alike. */
    private static String safetensorsDType(String code) {
        return switch (code) {
            case "F32" -> "float32";
            case "F16" -> "float16";
            case "BF16" -> "bfloat16";
            case "F64" -> "float64";
            case "I64" -> "int64";
            case "I32" -> "int32";
            case "I16" -> "int16";
            case "I8" -> "int8";
            case "U8" -> "uint8";
            case "BOOL" -> "bool";
            default -> code;
        };
    }
}
