package eim.runtime.report;

import eim.tasks.io.AtomicFiles;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Loss-versus-step charts as PNG (XChart). Non-finite points are left out; on a log y axis so are
 * points <= 0, which a logarithm cannot show.
 *
 * <pre>{@code
 * new LossPlot("generator loss", "step", "flow-matching loss").logY(true)
 *     .series("train", steps, losses).series("train (EMA)", steps, LossPlot.smooth(losses, 0.98))
 *     .save(out.resolve("generator-loss.png"));
 * }</pre>
 */
public final class LossPlot {
    private final String title, xLabel, yLabel;
    private final List<Line> lines = new ArrayList<>();
    private boolean logY;
    private int width = 800, height = 400;

    private record Line(String name, double[] x, double[] y) {}

    public LossPlot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    public LossPlot logY(boolean on) {
        this.logY = on;
        return this;
    }

    /** Image size in pixels (default 800 x 400). */
    public LossPlot size(int width, int height) {
        if (width < 100 || height < 100) {
            throw new IllegalArgumentException("loss plot must be at least 100x100 pixels, got " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        return this;
    }

    /** Adds a line; {@code steps} and {@code values} must have the same length. */
    public LossPlot series(String name, double[] steps, double[] values) {
        if (steps.length != values.length) {
            throw new IllegalArgumentException("series '" + name + "': " + steps.length + " steps but " + values.length + " values");
        }
        lines.add(new Line(name, steps.clone(), values.clone()));
        return this;
    }

    /** Adds a line with one value per step 1, 2, 3, ... */
    public LossPlot series(String name, double[] values) {
        double[] steps = new double[values.length];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = i + 1;
        }
        return series(name, steps, values);
    }

    /** Exponential moving average with bias correction (so the start is not pulled towards 0). */
    public static double[] smooth(double[] values, double decay) {
        double[] out = new double[values.length];
        double average = 0, weight = 0;
        for (int i = 0; i < values.length; i++) {
            average = decay * average + (1 - decay) * values[i];
            weight = decay * weight + (1 - decay);
            out[i] = average / weight;
        }
        return out;
    }

    public XYChart chart() {
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler()
                .setYAxisLogarithmic(logY)
                .setLegendPosition(Styler.LegendPosition.InsideNE)
                .setChartBackgroundColor(Color.WHITE)
                .setMarkerSize(0);
        chart.getStyler().setYAxisLogarithmicDecadeOnly(false).setYAxisDecimalPattern("0.###").setXAxisDecimalPattern("#,##0")
                .setXAxisMaxLabelCount(12);
        int drawn = 0;
        for (Line line : lines) {
            double[][] kept = plottable(line);
            if (kept[0].length == 0) {
                continue;
            }
            XYSeries series = chart.addSeries(line.name(), kept[0], kept[1]);
            series.setMarker(SeriesMarkers.NONE);
            drawn++;
        }
        if (drawn == 0) {
            // XChart cannot draw an empty chart; show a flat placeholder so the report still has an image.
            chart.addSeries("no data", new double[] {0, 1}, new double[] {1, 1}).setMarker(SeriesMarkers.NONE);
        }
        return chart;
    }

    /** Writes the chart as PNG through a temporary file and a rename. */
    public void save(Path png) throws IOException {
        byte[] bytes = BitmapEncoder.getBitmapBytes(chart(), BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.write(png, out -> out.write(bytes));
    }

    private double[][] plottable(Line line) {
        int n = 0;
        double[] x = new double[line.x().length], y = new double[line.y().length];
        for (int i = 0; i < x.length; i++) {
            double value = line.y()[i];
            if (Double.isFinite(value) && Double.isFinite(line.x()[i]) && (!logY || value > 0)) {
                x[n] = line.x()[i];
                y[n++] = value;
            }
        }
        double[] kept = java.util.Arrays.copyOf(x, n);
        if (n >= 3) {
            // XChart 3.8 puts the ticks on data points when x is equally spaced (within 1e-4), giving
            // labels like 1, 13, 25; nudging one point by 0.1% of a step brings back round tick values.
            kept[1] += 1e-3 * Math.max(Math.abs(kept[1] - kept[0]), 1);
        }
        return new double[][] {kept, java.util.Arrays.copyOf(y, n)};
    }
}
