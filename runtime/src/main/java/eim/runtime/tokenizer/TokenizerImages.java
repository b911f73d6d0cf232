package eim.runtime.tokenizer;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Minimal image I/O for the tokenizer tools (javax.imageio): reading a folder of PNG/JPEG/BMP/GIF
 * files, resizing, converting to (3, H, W) floats in [-1, 1] and back, writing PNGs atomically.
 * Kept private to the tokenizer until the runtime's shared image datasets take over.
 */
public final class TokenizerImages {
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");

    private TokenizerImages() {}

    /** Image files directly in {@code folder} (or the file itself), sorted by name. */
    public static List<Path> list(Path folder) throws IOException {
        if (Files.isRegularFile(folder)) {
            return List.of(folder);
        }
        if (!Files.isDirectory(folder)) {
            throw new IOException(folder + ": no such image file or folder");
        }
        try (Stream<Path> s = Files.list(folder)) {
            List<Path> files = new ArrayList<>(s.filter(Files::isRegularFile)
                    .filter(p -> EXTENSIONS.stream().anyMatch(e -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(e)))
                    .sorted().toList());
            if (files.isEmpty()) {
                throw new IOException(folder + ": no images (expected files ending in " + EXTENSIONS + ")");
            }
            return files;
        }
    }

    /** Reads one image, failing with the file's name when it is unreadable. */
    public static BufferedImage read(Path file) throws IOException {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": unreadable image (" + e.getMessage() + ")", e);
        }
        if (img == null) {
            throw new IOException(file + ": unreadable image (not a format javax.imageio can decode)");
        }
        return img;
    }

    /** Scales so that the height is {@code height} pixels, keeping the aspect ratio (bilinear). */
    public static BufferedImage scaleToHeight(BufferedImage img, int height) {
        int width = Math.max(1, (int) Math.round((double) img.getWidth() * height / img.getHeight()));
        return resize(img, width, height);
    }

    /** Scales so that the shorter side is {@code side} pixels (bilinear). */
    public static BufferedImage scaleShorterSide(BufferedImage img, int side) {
        double f = (double) side / Math.min(img.getWidth(), img.getHeight());
        return resize(img, Math.max(side, (int) Math.round(img.getWidth() * f)),
                Math.max(side, (int) Math.round(img.getHeight() * f)));
    }

    public static BufferedImage resize(BufferedImage img, int width, int height) {
        if (img.getWidth() == width && img.getHeight() == height && img.getType() == BufferedImage.TYPE_INT_RGB) {
            return img;
        }
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(img, 0, 0, width, height, null);
        g.dispose();
        return out;
    }

    /** (3, h, w) floats in [-1, 1] of the window at (x0, y0), mirrored horizontally when {@code flip}. */
    public static float[] toTensor(BufferedImage img, int x0, int y0, int w, int h, boolean flip) {
        float[] out = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x0 + (flip ? w - 1 - x : x), y0 + y);
                int o = y * w + x;
                out[o] = ((rgb >> 16) & 0xff) / 127.5f - 1f;
                out[h * w + o] = ((rgb >> 8) & 0xff) / 127.5f - 1f;
                out[2 * h * w + o] = (rgb & 0xff) / 127.5f - 1f;
            }
        }
        return out;
    }

    public static float[] toTensor(BufferedImage img) {
        return toTensor(img, 0, 0, img.getWidth(), img.getHeight(), false);
    }

    /** An RGB image from (3, h, w) floats at {@code offset}, clamped from [-1, 1]. */
    public static BufferedImage toImage(float[] chw, int offset, int h, int w) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = offset + y * w + x;
                int r = byteOf(chw[o]), g = byteOf(chw[o + h * w]), b = byteOf(chw[o + 2 * h * w]);
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    private static int byteOf(float v) {
        return Math.max(0, Math.min(255, Math.round((v + 1f) * 127.5f)));
    }

    /** Writes a PNG through a temporary file and a rename, so a crash never leaves half a file. */
    public static void writePng(BufferedImage img, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            if (!ImageIO.write(img, "png", tmp.toFile())) {
                throw new IOException("no PNG writer available");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
