package eim.runtime.demo;

import eim.runtime.data.Images;
import eim.runtime.data.panorama.PanoramaGenerator;
import eim.runtime.report.LossPlot;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The report's image files under {@code out/figures/}, at the images' own pixel size (the report
 * enlarges them): every figure has one row per class in label order, tiles separated by
 * {@link #MARGIN} white pixels ({@link Images#grid}, {@link Images#stack}).
 */
final class Figures {
    static final String FOLDER = "figures";
    static final int MARGIN = 2;
    /** Training panoramas shown per class. */
    static final int DATA_PER_CLASS = 6;

    private final Path dir;

    Figures(Path out) {
        this.dir = out.resolve(FOLDER);
    }

    /** The first few training panoramas of every class: data.png. */
    Path data(DemoData data) throws IOException {
        int perClass = Math.min(DATA_PER_CLASS, data.train().size() / DemoConfig.CLASSES);
        List<BufferedImage> tiles = new ArrayList<>();
        for (int k = 0; k < DemoConfig.CLASSES; k++) {
            tiles.addAll(data.firstOfClass(k, perClass));
        }
        return write("data.png", Images.grid(tiles, perClass, MARGIN, Color.WHITE));
    }

    /** Held-out panorama | its reconstruction, for each held-out panorama of a class in one row: reconstructions.png. */
    Path reconstructions(List<BufferedImage> originals, List<BufferedImage> reconstructions, int perClass) throws IOException {
        List<BufferedImage> tiles = new ArrayList<>();
        for (int i = 0; i < originals.size(); i++) {
            tiles.add(originals.get(i));
            tiles.add(reconstructions.get(i));
        }
        return write("reconstructions.png", Images.grid(tiles, 2 * perClass, MARGIN, Color.WHITE));
    }

    /** A grid of class-major samples, one row per class: samples-cfgS.png. */
    Path samples(SamplingStage.Samples s, int perClass) throws IOException {
        return write(samplesFile(s.guidance()), Images.grid(s.images(), perClass, MARGIN, Color.WHITE));
    }

    static String samplesFile(float guidance) {
        String scale = guidance == Math.rint(guidance) ? "" + (int) guidance : String.format(Locale.ROOT, "%.2f", guidance);
        return "samples-cfg" + scale + ".png";
    }

    /** The sampled panoramas stacked in class order: panoramas.png. */
    Path panoramas(SamplingStage.Samples s) throws IOException {
        return write("panoramas.png", Images.stack(s.images(), MARGIN, Color.WHITE));
    }

    /** Panoramas of the procedural generator itself at the same size, the same layout: panoramas-real.png. */
    Path realPanoramas(DemoConfig c) throws IOException {
        int width = c.panoramaTokens() * c.tokenizer().scale();
        BufferedImage strip = PanoramaGenerator.groundTruthStrip(DemoData.heldOutIndex(c, 0), width, c.height(), c.seed());
        return write("panoramas-real.png", strip);
    }

    /** A loss-per-step chart from {@code csv}'s {@code column}, raw and smoothed. */
    Path lossPlot(String file, String title, Path csv, String column) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        int index = Arrays.asList(lines.getFirst().split(",")).indexOf(column);
        if (index < 0) {
            throw new IOException(csv + ": no column '" + column + "' in header " + lines.getFirst());
        }
        double[] steps = new double[lines.size() - 1], values = new double[lines.size() - 1];
        for (int i = 1; i < lines.size(); i++) {
            String[] cells = lines.get(i).split(",");
            steps[i - 1] = Double.parseDouble(cells[0]);
            values[i - 1] = Double.parseDouble(cells[index]);
        }
        Path png = dir.resolve(file);
        new LossPlot(title, "step", column).logY(true).series("per step", steps, values)
                .series("smoothed (EMA 0.95)", steps, LossPlot.smooth(values, 0.95)).save(png);
        return png;
    }

    private Path write(String name, BufferedImage image) throws IOException {
        Path file = dir.resolve(name);
        Images.writePng(file, image);
        return file;
    }
}
