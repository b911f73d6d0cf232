package eim.runtime.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.runtime.data.panorama.PanoramaGenerator;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report of the README demo (standard config) with figures of their real sizes: every one fits the page column. */
class DemoReportTest {
    @TempDir
    Path out;

    @Test
    void everyFigureOfTheStandardDemoFitsThePageColumn() throws IOException {
        DemoConfig c = DemoConfig.standard().withOut(out);
        int classes = DemoConfig.CLASSES, h = c.height(), scale = c.tokenizer().scale();
        List<BufferedImage> train = new ArrayList<>();
        int[] labels = new int[classes * Figures.DATA_PER_CLASS];
        for (int i = 0; i < labels.length; i++) {
            train.add(blank(c.trainWidth(), h));
            labels[i] = i / Figures.DATA_PER_CLASS;
        }
        List<BufferedImage> heldOut = blanks(classes * c.heldOutPerClass(), c.trainWidth(), h);
        DemoData data = new DemoData(PanoramaGenerator.Scene.names(), train, labels, heldOut);
        Path csv = out.resolve("loss.csv");
        Files.writeString(csv, "step,loss\n1,2.0\n2,1.0\n3,0.5\n");

        Figures figures = new Figures(out);
        Map<String, Path> files = new LinkedHashMap<>();
        files.put("data", figures.data(data));
        files.put("reconstructions", figures.reconstructions(heldOut, heldOut, c.heldOutPerClass()));
        files.put("tokenizer loss", figures.lossPlot("tokenizer-loss.png", "tokenizer", csv, "loss"));
        files.put("generator loss", figures.lossPlot("generator-loss.png", "generator", csv, "loss"));
        for (float g : c.guidanceScales()) {
            List<BufferedImage> grid = blanks(classes * c.samplesPerClass(), c.tokensPerImage() * scale, h);
            files.put("samples cfg " + g, figures.samples(new SamplingStage.Samples(grid, g, c.tokensPerImage(), 1), c.samplesPerClass()));
        }
        files.put("panoramas", figures.panoramas(new SamplingStage.Samples(blanks(classes, c.panoramaTokens() * scale, h),
                c.panoramaGuidance(), c.panoramaTokens(), 1)));
        files.put("real panoramas", figures.realPanoramas(c));
        Path html = out.resolve("report.html");
        new DemoReport(c).render(files, Map.of("total", Duration.ofSeconds(1))).write(html);
        String page = Files.readString(html);

        Matcher body = Pattern.compile("body \\{[^}]*max-width: (\\d+)px").matcher(page);
        assertTrue(body.find(), "the page column has a width");
        int column = Integer.parseInt(body.group(1));
        int dataWidth = ImageIO.read(files.get("data").toFile()).getWidth();
        assertTrue(dataWidth * c.figureScale() > column, "the premise: the training-data figure enlarged "
                + c.figureScale() + "x (" + dataWidth * c.figureScale() + " px) is wider than the column");

        Matcher img = Pattern.compile("<img src=\"([^\"]+)\" width=\"(\\d+)\" height=\"(\\d+)\"").matcher(page);
        int images = 0;
        while (img.find()) {
            images++;
            int w = Integer.parseInt(img.group(2));
            assertTrue(w <= column, img.group(1) + " is shown " + w + " px wide in a " + column + " px column");
        }
        assertEquals(files.size(), images, "every figure is shown");
    }

    private static BufferedImage blank(int width, int height) {
        return new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    }

    private static List<BufferedImage> blanks(int n, int width, int height) {
        List<BufferedImage> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(blank(width, height));
        }
        return out;
    }
}
