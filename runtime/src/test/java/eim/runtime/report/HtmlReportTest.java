package eim.runtime.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.runtime.data.Images;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
    @TempDir
    Path out;

    @Test
    void writesAPageReferencingExistingImagesWithTheirSizes() throws IOException {
        Images.writePng(out.resolve("img/samples.png"), new BufferedImage(48, 16, BufferedImage.TYPE_INT_RGB));
        Images.writePng(out.resolve("loss.png"), new BufferedImage(30, 20, BufferedImage.TYPE_INT_RGB));
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("preset", "tiny");
        config.put("seed", 42);
        Map<String, Duration> timings = new LinkedHashMap<>();
        timings.put("tokenizer", Duration.ofSeconds(75));
        timings.put("generator", Duration.ofMillis(4200));

        Path html = out.resolve("report.html");
        new HtmlReport("Demo <run> & results")
                .section("Samples").text("Class-conditional samples.\n\nSecond paragraph.")
                .image(out.resolve("img/samples.png"), "samples, one row per class", 4)
                .section("Training").image(out.resolve("loss.png"), "loss").timings(timings)
                .section("Configuration").keyValues("configuration", config).preformatted("eim demo --steps 10")
                .write(html);

        String page = Files.readString(html);
        assertTrue(page.startsWith("<!DOCTYPE html>"));
        assertTrue(page.contains("<title>Demo &lt;run&gt; &amp; results</title>"), "title is escaped");
        assertTrue(page.contains("<h2>Samples</h2>") && page.contains("<h2>Configuration</h2>"));
        assertTrue(page.contains("<p>Second paragraph.</p>"));
        assertTrue(page.contains("src=\"img/samples.png\" width=\"192\" height=\"64\""), "relative path, 4x display size");
        assertTrue(page.contains("(48 x 16 px)"));
        assertTrue(page.contains("src=\"loss.png\" width=\"30\" height=\"20\""));
        assertTrue(page.contains("<td>tokenizer</td><td>1 min 15 s</td>"));
        assertTrue(page.contains("<td>generator</td><td>4.2 s</td>"));
        assertTrue(page.contains("<td>total</td><td>1 min 19 s</td>"));
        assertTrue(page.contains("<td>seed</td><td>42</td>"));
        assertTrue(page.contains("<style>"), "self-contained CSS");
        assertEquals(page.indexOf("<section>"), page.indexOf("<section>"));
        assertEquals(count(page, "<section>"), count(page, "</section>"));

        List<String> sources = new ArrayList<>();
        Matcher m = Pattern.compile("src=\"([^\"]+)\"").matcher(page);
        while (m.find()) {
            sources.add(m.group(1));
        }
        assertEquals(2, sources.size());
        for (String src : sources) {
            assertTrue(Files.isRegularFile(out.resolve(src)), "image " + src + " exists next to the report");
        }
        try (Stream<Path> files = Files.list(out)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary files left");
        }
    }

    /** No figure is wider than the page column: the CSS bounds every image and the sizes written fit. */
    @Test
    void everyFigureFitsThePageColumn() throws IOException {
        // like the demo's training-data figure (394 px shown 3x) and wider ones
        Images.writePng(out.resolve("data.png"), new BufferedImage(394, 170, BufferedImage.TYPE_INT_RGB));
        Images.writePng(out.resolve("strip.png"), new BufferedImage(1500, 30, BufferedImage.TYPE_INT_RGB));
        Images.writePng(out.resolve("small.png"), new BufferedImage(100, 20, BufferedImage.TYPE_INT_RGB));
        Path html = out.resolve("report.html");
        new HtmlReport("r").section("s").image(out.resolve("data.png"), "data", 3).image(out.resolve("strip.png"), "strip")
                .image(out.resolve("small.png"), "small", 4).write(html);
        String page = Files.readString(html);

        String css = page.substring(page.indexOf("<style>"), page.indexOf("</style>"));
        Matcher body = Pattern.compile("body \\{[^}]*max-width: (\\d+)px").matcher(css);
        assertTrue(body.find(), "the page column has a width");
        int column = Integer.parseInt(body.group(1));
        Matcher rule = Pattern.compile("figure img \\{([^}]*)}").matcher(css);
        assertTrue(rule.find(), "a CSS rule for figure images");
        for (String property : List.of("max-width: 100%", "height: auto", "box-sizing: border-box")) {
            assertTrue(rule.group(1).contains(property), "figure img lacks '" + property + "': " + rule.group(1));
        }

        Matcher img = Pattern.compile("<img [^>]*width=\"(\\d+)\" height=\"(\\d+)\"").matcher(page);
        List<int[]> sizes = new ArrayList<>();
        while (img.find()) {
            assertTrue(page.lastIndexOf("<figure>", img.start()) > page.lastIndexOf("</figure>", img.start()),
                    "every image is inside a figure");
            sizes.add(new int[] {Integer.parseInt(img.group(1)), Integer.parseInt(img.group(2))});
        }
        assertEquals(3, sizes.size());
        for (int[] s : sizes) {
            assertTrue(s[0] <= column, "an image " + s[0] + " px wide in a " + column + " px column");
        }
        assertArrayEquals(new int[] {788, 340}, sizes.get(0), "3x does not fit: the largest whole enlargement that does, 2x");
        assertArrayEquals(new int[] {column, 22}, sizes.get(1), "wider than the column: scaled down, aspect kept");
        assertArrayEquals(new int[] {400, 80}, sizes.get(2), "fits: enlarged as asked");
    }

    @Test
    void missingImagesAreFlaggedNotFatal() throws IOException {
        Path html = out.resolve("report.html");
        new HtmlReport("r").section("s").image(out.resolve("nowhere.png"), "lost").write(html);
        String page = Files.readString(html);
        assertTrue(page.contains("missing image: nowhere.png"));
        assertFalse(page.contains("<img"));
    }

    @Test
    void tablesCheckTheirShape() {
        assertThrows(IllegalArgumentException.class,
                () -> new HtmlReport("r").table("t", List.of("a", "b"), List.of(List.of("only one"))));
    }

    @Test
    void formatsDurationsAndEscapes() {
        assertEquals("2 h 03 min 04 s", HtmlReport.format(Duration.ofSeconds(7384)));
        assertEquals("0.3 s", HtmlReport.format(Duration.ofMillis(250)));
        assertEquals("&lt;a href=&quot;x&quot;&gt;&amp;&#39;", HtmlReport.escape("<a href=\"x\">&'"));
    }

    private static int count(String text, String needle) {
        return text.split(Pattern.quote(needle), -1).length - 1;
    }
}
