package eim.runtime.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.runtime.data.Images;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LossPlotTest {
    @TempDir
    Path out;

    @Test
    void writesAPngOfTheRequestedSize() throws IOException {
        double[] loss = new double[200];
        for (int i = 0; i < loss.length; i++) {
            loss[i] = 2.0 * Math.exp(-i / 50.0) + 0.1 + 0.05 * Math.sin(i);
        }
        Path png = out.resolve("plots/loss.png");
        new LossPlot("tokenizer loss", "step", "L1 + KL").logY(true).size(640, 320)
                .series("train", loss).series("EMA", LossPlot.smooth(loss, 0.9)).save(png);
        BufferedImage image = Images.read(png);
        assertEquals(640, image.getWidth());
        assertEquals(320, image.getHeight());
        assertTrue(distinctColours(image) > 10, "the chart draws something");
    }

    @Test
    void logScaleSkipsValuesItCannotShow() throws IOException {
        Path png = out.resolve("log.png");
        new LossPlot("loss", "step", "loss").logY(true)
                .series("with zeros and NaN", new double[] {1, 2, 3, 4}, new double[] {0.5, 0, Double.NaN, 0.1}).save(png);
        assertEquals(800, Images.read(png).getWidth());
        new LossPlot("empty", "step", "loss").logY(true).series("nothing", new double[0]).save(out.resolve("empty.png"));
    }

    @Test
    void smoothingIsBiasCorrected() {
        assertArrayEquals(new double[] {3, 3, 3}, LossPlot.smooth(new double[] {3, 3, 3}, 0.99), 1e-12);
        double[] s = LossPlot.smooth(new double[] {1, 0}, 0.5);
        assertEquals(1.0, s[0], 1e-12); // the first value is not pulled towards zero
        assertEquals(1.0 / 3.0, s[1], 1e-12); // (0.25*1 + 0.5*0) / 0.75
        assertThrows(IllegalArgumentException.class, () -> new LossPlot("t", "x", "y").series("bad", new double[2], new double[3]));
    }

    private static int distinctColours(BufferedImage image) {
        return (int) java.util.Arrays.stream(image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth()))
                .distinct().count();
    }
}
