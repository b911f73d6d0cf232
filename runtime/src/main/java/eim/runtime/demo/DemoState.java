package eim.runtime.demo;

import eim.tasks.io.AtomicFiles;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What earlier runs left in the output folder ({@code demo-state.properties}): per stage
 * (tokenizer, tokens, generator) the settings it was produced with and its results (steps, seconds,
 * vae_norm, ...). A stage is reused when its file exists and its settings are unchanged; redoing a
 * stage forgets every later one, whose inputs it replaced.
 */
final class DemoState {
    static final String FILE = "demo-state.properties";
    static final List<String> STAGES = List.of("tokenizer", "tokens", "generator");

    private final Path file;
    private final Properties values = new Properties();

    private DemoState(Path file) {
        this.file = file;
    }

    static DemoState load(Path out) throws IOException {
        DemoState s = new DemoState(out.resolve(FILE));
        if (Files.isRegularFile(s.file)) {
            s.values.load(new StringReader(Files.readString(s.file)));
        }
        return s;
    }

    /** Whether {@code stage} was completed with exactly {@code settings} and its output file still exists. */
    boolean reusable(String stage, Map<String, String> settings, Path output) {
        return Files.isRegularFile(output) && render(settings).equals(values.getProperty(stage + ".settings"));
    }

    /** Records a finished stage and forgets the later ones. */
    void finished(String stage, Map<String, String> settings, Map<String, String> results) throws IOException {
        for (String later : STAGES.subList(STAGES.indexOf(stage), STAGES.size())) {
            values.stringPropertyNames().stream().filter(k -> k.startsWith(later + ".")).toList().forEach(values::remove);
        }
        values.setProperty(stage + ".settings", render(settings));
        results.forEach((k, v) -> values.setProperty(stage + "." + k, v));
        StringWriter w = new StringWriter();
        values.store(w, "eim demo: what the trained models in this folder were made with");
        AtomicFiles.writeString(file, w.toString());
    }

    /** A result of a finished stage, or a clear error naming the file. */
    String result(String stage, String key) {
        String v = values.getProperty(stage + "." + key);
        if (v == null) {
            throw new IllegalStateException(file + " lacks " + stage + "." + key + "; run the demo with --retrain");
        }
        return v;
    }

    private static String render(Map<String, String> settings) {
        return new TreeMap<>(settings).toString();
    }
}
