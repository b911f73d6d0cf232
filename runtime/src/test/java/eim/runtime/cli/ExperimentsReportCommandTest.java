package eim.runtime.cli;

import static eim.runtime.cli.Cli.eim;
import static eim.runtime.cli.Cli.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** eim experiments-report: tables, plots and strips from the experiments' result files. */
class ExperimentsReportCommandTest {
    private static String positions(int n, double base) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ", ").append(base + 0.01 * i);
        }
        return sb.append(']').toString();
    }

    @Test
    void writesTablesPlotsAndStrips(@TempDir Path dir) throws Exception {
        Path results = Files.createDirectories(dir.resolve("results"));
        Files.writeString(results.resolve("zero-shot.json"), "{\"results\": {\"all16\": {\"position_frechet\": " + positions(16, 1)
                + "}, \"first8\": {\"position_frechet\": " + positions(16, 1.2) + "}}, \"x\": NaN}");
        Files.writeString(results.resolve("zero-shot.md"), "| trained on | Fréchet distance |\n|---|---|\n| all 16 positions | 3.26 |\n"
                + "| the first 8 positions | 3.17 |\n\nSeeds 1 2, 2000 steps each.\n");
        Files.writeString(results.resolve("ultra-long.json"), "{\"results\": {\"constant\": {\"128\": {\"window_frechet\": "
                + positions(8, 3) + ", \"position_frechet\": " + positions(128, 1) + "}}}}");
        Files.writeString(results.resolve("ultra-long.md"), "| width | FD |\n|---|---|\n| 128 | 3.1 |\n");
        Files.createDirectories(results.resolve("ultra-long"));
        ImageIO.write(new BufferedImage(256, 32, BufferedImage.TYPE_INT_RGB), "png", results.resolve("ultra-long/constant-128-sea_00.png").toFile());

        Cli.Run r = ok("experiments-report", "--results", results.toString());
        assertTrue(r.out().contains("zero-shot, ultra-long"), r.out());
        String html = Files.readString(results.resolve("report.html"));
        assertTrue(html.contains("1. Zero-shot positions") && html.contains("4. Ultra-long images"), html);
        assertTrue(!html.contains("3. Windowed"), "no window results, no window section");
        assertTrue(html.contains("the first 8 positions") && html.contains("3.17"), "the table's rows");
        assertTrue(html.contains("Seeds 1 2, 2000 steps each."), "the table's note");
        assertTrue(html.contains("ultra-long/constant-128-sea_00.png"), "the strip, relative to the page");
        assertTrue(html.contains("sea, 128 tokens, constant guidance"), "the strip's caption");
        for (String png : new String[] {"zero-shot-positions.png", "ultra-long-windows.png", "ultra-long-positions.png"}) {
            assertTrue(html.contains("figures/" + png), png);
            BufferedImage img = ImageIO.read(results.resolve("figures").resolve(png).toFile());
            assertEquals(900, img.getWidth(), png);
        }
        assertTrue(html.contains("Not run"), "what was not run is said");

        Cli.Run missing = eim("experiments-report", "--results", dir.resolve("nope").toString());
        assertEquals(2, missing.code(), missing.err());
        assertTrue(missing.err().contains("--results") && missing.err().contains("nope"), missing.err());
    }
}
