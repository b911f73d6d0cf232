package eim.runtime.report;

import eim.tasks.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A one-page HTML report (out/report.html): sections with headings, free text, images, tables of
 * timings and configuration. Self-contained apart from the images, which are referenced by paths
 * relative to the HTML file with their pixel sizes. All text is HTML-escaped; the file is written
 * atomically, so it can be rewritten while a browser shows it. Every figure fits the page column
 * ({@link #COLUMN_WIDTH} px): an enlarged image is shown at the largest whole enlargement that fits,
 * a wider one scaled down, and the CSS keeps images within narrower windows too.
 *
 * <pre>{@code
 * HtmlReport report = new HtmlReport("Equivariant Image Modeling demo");
 * report.section("Data").text("5 classes of panoramas").image(out.resolve("data.png"), "training crops", 2);
 * report.section("Timings").timings(Map.of("tokenizer training", Duration.ofSeconds(93)));
 * report.write(out.resolve("report.html"));
 * }</pre>
 */
public final class HtmlReport {
    private static final Logger log = LoggerFactory.getLogger(HtmlReport.class);
    /** Width of the page column in CSS pixels (the body's max-width); no figure is shown wider. */
    static final int COLUMN_WIDTH = 1100;

    private final String title;
    private final List<Block> blocks = new ArrayList<>();

    private sealed interface Block {}

    private record Heading(String text) implements Block {}

    private record Text(String text) implements Block {}

    private record Preformatted(String text) implements Block {}

    private record Image(Path file, String caption, int displayScale) implements Block {}

    private record Table(String caption, List<String> headers, List<List<String>> rows) implements Block {}

    public HtmlReport(String title) {
        this.title = title;
    }

    /** Starts a new section. */
    public HtmlReport section(String heading) {
        blocks.add(new Heading(heading));
        return this;
    }

    /** A paragraph; blank lines split it into several. */
    public HtmlReport text(String paragraph) {
        for (String p : paragraph.strip().split("\\n\\s*\\n")) {
            blocks.add(new Text(p.strip()));
        }
        return this;
    }

    /** Monospaced text kept as is (logs, command lines). */
    public HtmlReport preformatted(String text) {
        blocks.add(new Preformatted(text));
        return this;
    }

    /** An image file shown at its own size. */
    public HtmlReport image(Path file, String caption) {
        return image(file, caption, 1);
    }

    /**
     * An image file shown enlarged {@code displayScale} times with crisp pixels (for tiny images), or
     * the largest whole enlargement below it that fits the page column.
     */
    public HtmlReport image(Path file, String caption, int displayScale) {
        if (displayScale < 1) {
            throw new IllegalArgumentException("display scale must be >= 1, got " + displayScale);
        }
        blocks.add(new Image(file, caption, displayScale));
        return this;
    }

    /** A table; every row must have as many cells as there are headers. */
    public HtmlReport table(String caption, List<String> headers, List<List<String>> rows) {
        for (List<String> row : rows) {
            if (row.size() != headers.size()) {
                throw new IllegalArgumentException("table '" + caption + "': row " + row + " has " + row.size()
                        + " cells, expected " + headers.size());
            }
        }
        blocks.add(new Table(caption, List.copyOf(headers), rows.stream().map(List::copyOf).toList()));
        return this;
    }

    /** A two-column table of settings, in the map's iteration order. */
    public HtmlReport keyValues(String caption, Map<String, ?> values) {
        List<List<String>> rows = values.entrySet().stream().map(e -> List.of(e.getKey(), String.valueOf(e.getValue()))).toList();
        return table(caption, List.of("setting", "value"), rows);
    }

    /** A table of phase durations, in the map's iteration order, with a total. */
    public HtmlReport timings(Map<String, Duration> phases) {
        List<List<String>> rows = new ArrayList<>();
        Duration total = Duration.ZERO;
        for (Map.Entry<String, Duration> e : phases.entrySet()) {
            rows.add(List.of(e.getKey(), format(e.getValue())));
            total = total.plus(e.getValue());
        }
        rows.add(List.of("total", format(total)));
        return table("timings", List.of("phase", "wall time"), rows);
    }

    /** "1 h 02 min 03 s", "2 min 05 s", "4.2 s". */
    static String format(Duration d) {
        long s = d.toSeconds();
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%d h %02d min %02d s", s / 3600, s / 60 % 60, s % 60);
        }
        if (s >= 60) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    /** Renders the page with image paths relative to {@code htmlFile}'s folder and writes it atomically. */
    public void write(Path htmlFile) throws IOException {
        AtomicFiles.writeString(htmlFile, render(htmlFile.toAbsolutePath().getParent()));
    }

    String render(Path baseDir) throws IOException {
        StringBuilder html = new StringBuilder(8192);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").append(escape(title))
                .append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n<h1>").append(escape(title))
                .append("</h1>\n<p class=\"stamp\">written ")
                .append(escape(ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z", Locale.ROOT))))
                .append("</p>\n");
        boolean open = false;
        for (Block block : blocks) {
            switch (block) {
                case Heading h -> {
                    if (open) {
                        html.append("</section>\n");
                    }
                    html.append("<section>\n<h2>").append(escape(h.text())).append("</h2>\n");
                    open = true;
                }
                case Text t -> html.append("<p>").append(escape(t.text())).append("</p>\n");
                case Preformatted p -> html.append("<pre>").append(escape(p.text())).append("</pre>\n");
                case Image i -> renderImage(html, i, baseDir);
                case Table t -> renderTable(html, t);
            }
        }
        if (open) {
            html.append("</section>\n");
        }
        return html.append("</body>\n</html>\n").toString();
    }

    private static void renderImage(StringBuilder html, Image image, Path baseDir) throws IOException {
        Path file = image.file().toAbsolutePath();
        String src = baseDir.relativize(file).toString().replace('\\', '/');
        html.append("<figure>\n");
        int[] size = Files.isRegularFile(file) ? pixelSize(file) : null;
        if (size == null) {
            log.warn("report image {} is missing or unreadable", file);
            html.append("<p class=\"missing\">missing image: ").append(escape(src)).append("</p>\n");
        } else {
            int[] shown = displaySize(size[0], size[1], image.displayScale());
            int w = shown[0], h = shown[1];
            html.append("<img src=\"").append(escape(src)).append("\" width=\"").append(w).append("\" height=\"").append(h)
                    .append("\" alt=\"").append(escape(image.caption())).append('"')
                    .append(image.displayScale() > 1 ? " class=\"pixelated\"" : "").append(">\n");
        }
        html.append("<figcaption>").append(escape(image.caption()));
        if (size != null) {
            html.append(" <span class=\"dim\">(").append(size[0]).append(" x ").append(size[1]).append(" px)</span>");
        }
        html.append("</figcaption>\n</figure>\n");
    }

    private static void renderTable(StringBuilder html, Table table) {
        html.append("<table>\n<caption>").append(escape(table.caption())).append("</caption>\n<tr>");
        table.headers().forEach(h -> html.append("<th>").append(escape(h)).append("</th>"));
        html.append("</tr>\n");
        for (List<String> row : table.rows()) {
            html.append("<tr>");
            row.forEach(cell -> html.append("<td>").append(escape(cell)).append("</td>"));
            html.append("</tr>\n");
        }
        html.append("</table>\n");
    }

    /**
     * The shown size of a {@code width x height} image asked to be enlarged {@code scale} times: the
     * largest whole enlargement up to {@code scale} that fits {@link #COLUMN_WIDTH}, and an image wider
     * than the column scaled down to it, keeping its aspect ratio.
     */
    static int[] displaySize(int width, int height, int scale) {
        int s = Math.max(1, Math.min(scale, COLUMN_WIDTH / width));
        int w = width * s, h = height * s;
        if (w > COLUMN_WIDTH) {
            h = Math.max(1, (int) Math.round((double) h * COLUMN_WIDTH / w));
            w = COLUMN_WIDTH;
        }
        return new int[] {w, h};
    }

    /** Width and height from the image header, without decoding the pixels; null if unreadable. */
    static int[] pixelSize(Path file) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                return new int[] {reader.getWidth(0), reader.getHeight(0)};
            } catch (IOException e) {
                return null;
            } finally {
                reader.dispose();
            }
        }
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    static final String CSS = """
            body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: %dpx; margin: 2em auto;
                   padding: 0 1em; color: #1d232b; background: #fbfbfa; line-height: 1.45; }
            h1 { font-size: 1.7em; margin-bottom: 0.1em; }
            h2 { font-size: 1.25em; border-bottom: 1px solid #d5d9de; padding-bottom: 0.2em; margin-top: 1.8em; }
            .stamp, .dim { color: #6b7480; font-size: 0.9em; }
            figure { margin: 1em 0; max-width: 100%%; }
            figure img { display: block; box-sizing: border-box; max-width: 100%%; height: auto; border: 1px solid #d5d9de;
                         background: #fff; }
            img.pixelated { image-rendering: pixelated; }
            figcaption { font-size: 0.92em; margin-top: 0.3em; }
            table { border-collapse: collapse; margin: 1em 0; font-size: 0.93em; }
            caption { text-align: left; font-weight: 600; padding-bottom: 0.3em; }
            th, td { border: 1px solid #d5d9de; padding: 0.25em 0.7em; text-align: left; vertical-align: top; }
            th { background: #eef1f4; }
            td:last-child { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; }
            pre { background: #f0f2f4; padding: 0.8em; overflow-x: auto; font-size: 0.88em; }
            .missing { color: #b3261e; }
            """.formatted(COLUMN_WIDTH);
}
