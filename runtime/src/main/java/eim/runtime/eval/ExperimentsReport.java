package eim.runtime.eval;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import eim.runtime.report.HtmlReport;
import eim.runtime.report.LossPlot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The HTML report of the paper's experiments at small scale ({@code scripts/experiments/run.sh}):
 * for each experiment whose results are in the folder, its table (from {@code <name>.md}), plots of
 * the per-position and per-window scores (XChart) and, for the ultra-long images, the strips. Plots
 * go to {@code <folder>/figures/}; what was not run is said in the page.
 */
public final class ExperimentsReport {
    private ExperimentsReport() {}

    /** Writes {@code html} from the results in {@code results}; returns the experiments found. */
    public static List<String> write(Path results, Path html) throws IOException {
        if (!Files.isDirectory(results)) {
            throw new IllegalArgumentException("--results: " + results + " is not a folder");
        }
        Path figures = Files.createDirectories(html.toAbsolutePath().getParent().resolve("figures"));
        HtmlReport r = new HtmlReport("Equivariant image modeling: the paper's claims at small scale");
        r.text("""
                Each experiment trains the demo's small generator (4 blocks of width 128, 16 tokens of 16 channels, \
                5 classes of procedural panoramas) on this machine's CPU and scores it with `eim evaluate`: the Fréchet \
                distance between real and generated images in the features of a small classifier trained on the real \
                images (the Inception weights of FID cannot be downloaded here, so these numbers are not comparable \
                with the paper's FIDs, only with each other), the floor that two halves of the real set give, the \
                classifier's accuracy on the generated images of each class, and the Fréchet distance of the tokens at \
                each position. docs/experiments.md gives the method and reads the results; scripts/experiments/run.sh \
                reproduces them.""");
        List<String> found = new ArrayList<>();
        String zeroShotKeys = "all16,first8,even8", zeroShotNames = "trained on all 16,trained on the first 8,loss at the even positions";
        String gridKeys = "grid16,grid8", gridNames = "trained on all 16 patches,trained on the first 8 (top half)";
        section(r, results, figures, found, "zero-shot", "1. Zero-shot positions (paper Table 1)",
                "Trained on all 16 positions, on the first 8 only, or with the loss at the 8 even positions only (same "
                        + "steps), sampled at 16: positions 8-15 are zero-shot for the second model, the odd positions for the "
                        + "third. Paper: 5.57 -> 8.99 FID for the equivariant model, 7.93 -> 92.46 for the 2D-grid baseline.",
                zeroShotKeys, zeroShotNames, "the first-8 model never saw positions 8-15, the even-8 model never predicted "
                        + "an odd position in training");
        section(r, results, figures, found, "grid", "2. The 2D-grid baseline (paper Table 1)",
                "The same generator on the same 32x32 images cut into a 4x4 grid of 8-px patches in raster order (PCA "
                        + "tokens of 16 channels, eim grid-tokens), full causal attention, same steps: trained on all 16 patches "
                        + "or on the first 8 (the top half), sampled at 16. Its token scores are in its own units, not the "
                        + "column tokens'.", gridKeys, gridNames, "the top-half model never saw the bottom half");
        section(r, results, figures, found, "window", "3. Windowed vs full causal attention (paper Table 4)",
                "Window 3 against full causal attention, same budget. Paper (S model): 7.21 (window) vs 7.35 (full) FID.",
                "window3,full", "window 3,full causal", "");
        section(r, results, figures, found, "zero-shot-fashion", "1 and 2 on real images: Fashion-MNIST",
                "Experiment 1 on the real-image set: 2000 Fashion-MNIST images (200 per class, 32x32), a mini column "
                        + "tokenizer trained on them (scripts/experiments/run.sh prepare-fashion), one seed.",
                zeroShotKeys, zeroShotNames, "Fashion-MNIST");
        section(r, results, figures, found, "grid-fashion", "", "The 2D-grid baseline on the same Fashion-MNIST images, one "
                + "seed.", gridKeys, gridNames, "Fashion-MNIST, 2D grid");
        JsonObject ul = read(results, "ultra-long");
        if (ul != null) {
            found.add("ultra-long");
            r.section("4. Ultra-long images");
            r.text("The generator trained on 16-token windows samples 128 (8x) and 512 (32x) tokens. Each 16-token window "
                    + "along the width is scored as an image of its own against real 16-token images, and each position's "
                    + "tokens against the real tokens of all positions pooled. Flat curves mean no drift.");
            table(r, results, "ultra-long", "mean over seeds [min, max]");
            JsonObject res = ul.getAsJsonObject("results");
            LossPlot w = new LossPlot("Fréchet distance of each 16-token window along the width", "first token of the window",
                    "Fréchet distance").size(900, 380);
            LossPlot p = new LossPlot("token Fréchet distance at each position", "position", "Fréchet distance").size(900, 380);
            for (String schedule : res.keySet()) {
                JsonObject bySize = res.getAsJsonObject(schedule);
                for (String tokens : new String[] {"128", "512"}) {
                    if (!bySize.has(tokens)) {
                        continue;
                    }
                    String name = schedule + " guidance, " + tokens + " tokens";
                    double[] fd = numbers(bySize.getAsJsonObject(tokens).getAsJsonArray("window_frechet"));
                    double[] x = new double[fd.length];
                    Arrays.setAll(x, k -> 16.0 * k);
                    w.series(name, x, fd);
                    double[] pos = numbers(bySize.getAsJsonObject(tokens).getAsJsonArray("position_frechet"));
                    double[] px = new double[pos.length];
                    Arrays.setAll(px, i -> i);
                    p.series(name, px, LossPlot.smooth(pos, 0.9));
                }
            }
            Path wp = figures.resolve("ultra-long-windows.png"), pp = figures.resolve("ultra-long-positions.png");
            w.save(wp);
            p.save(pp);
            r.image(wp, "per-window Fréchet distance along the width (mean over seeds)");
            r.image(pp, "per-position token Fréchet distance along the width (mean over seeds, smoothed: EMA 0.9)");
            Path strips = results.resolve("ultra-long");
            if (Files.isDirectory(strips)) {
                try (Stream<Path> s = Files.list(strips)) {
                    for (Path f : s.filter(f -> f.toString().endsWith(".png")).sorted().toList()) {
                        // <schedule>-<tokens>-<class>_00.png
                        String[] part = f.getFileName().toString().replace("_00.png", "").split("-", 3);
                        r.image(f, part.length == 3 ? part[2] + ", " + part[1] + " tokens, " + part[0] + " guidance"
                                : f.getFileName().toString(), 1);
                    }
                }
            }
        }
        r.section("Not run");
        r.text("The window and ultra-long experiments ran on the procedural panoramas only: Fashion-MNIST's centred "
                + "28x28 objects are no wide, translation-stationary scenes. See docs/experiments.md.");
        r.write(html);
        return found;
    }

    /** One experiment's section (when its results are there): text, table, per-position plot. */
    private static void section(HtmlReport r, Path results, Path figures, List<String> found, String name, String heading,
                                String text, String keys, String names, String caption) throws IOException {
        JsonObject doc = read(results, name);
        if (doc == null) {
            return;
        }
        found.add(name);
        if (!heading.isEmpty()) {
            r.section(heading);
        }
        r.text(text);
        table(r, results, name, "mean over seeds [min, max]");
        Path png = figures.resolve(name + "-positions.png");
        positions(doc, "token Fréchet distance at each position", keys.split(","), names.split(",")).save(png);
        r.image(png, "per-position token Fréchet distance" + (caption.isEmpty() ? "" : "; " + caption));
    }

    private static JsonObject read(Path results, String name) throws IOException {
        Path f = results.resolve(name + ".json");
        if (!Files.exists(f)) {
            return null;
        }
        // Python's json module writes NaN for a missing held-out accuracy; Gson reads it leniently
        return new Gson().fromJson(Files.readString(f), JsonObject.class);
    }

    /** The Markdown table of {@code <name>.md} as an HTML table. */
    private static void table(HtmlReport r, Path results, String name, String caption) throws IOException {
        Path md = results.resolve(name + ".md");
        if (!Files.exists(md)) {
            return;
        }
        List<String> lines = Files.readAllLines(md);
        List<List<String>> rows = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("|") && !line.startsWith("|---")) {
                String body = line.substring(1, line.endsWith("|") ? line.length() - 1 : line.length());
                rows.add(Arrays.stream(body.split("\\|")).map(String::strip).toList());
            }
        }
        if (!rows.isEmpty()) {
            r.table(caption, rows.getFirst(), rows.subList(1, rows.size()));
        }
        lines.stream().filter(l -> !l.isBlank() && !l.startsWith("|")).forEach(r::text);
    }

    private static LossPlot positions(JsonObject doc, String title, String[] keys, String[] names) {
        LossPlot p = new LossPlot(title, "position", "Fréchet distance").size(900, 380);
        JsonObject res = doc.getAsJsonObject("results");
        for (int i = 0; i < keys.length; i++) {
            if (res.has(keys[i])) {
                double[] v = numbers(res.getAsJsonObject(keys[i]).getAsJsonArray("position_frechet"));
                double[] x = new double[v.length];
                Arrays.setAll(x, k -> k);
                p.series(names[i], x, v);
            }
        }
        return p;
    }

    private static double[] numbers(JsonArray a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsDouble();
        }
        return out;
    }
}
