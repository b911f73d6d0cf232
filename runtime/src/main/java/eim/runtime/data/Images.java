package eim.runtime.data;

import eim.tasks.io.AtomicFiles;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import eim.tasks.io.Tensor;
import java.util.Iterator;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.random.RandomGenerator;
import javax.imageio.ImageIO;

/**
 * Image file I/O and the geometric operations of the data pipeline, on {@link BufferedImage}s of type
 * INT_RGB: decode, shorter-side resize, crops, flip, atomic PNG output, and tiling for report figures.
 */
public final class Images {
    private Images() {}

    /**
     * The largest image {@link #read} decodes: 64 Mpixel (8192 x 8192), 256 MiB as INT_RGB. Larger
     * files are refused from their header, before any pixel is decoded.
     */
    public static final long MAX_PIXELS = 64L << 20;

    /**
     * Decodes a JPEG/PNG (anything javax.imageio reads) to INT_RGB. Transparent pixels are composited
     * over black. The size is read from the header first: images over {@link #MAX_PIXELS} are refused
     * before decoding. Images with floating-point samples (a float TIFF) must hold only finite values.
     *
     * @throws IOException naming the file when it cannot be read or decoded, is too large, or holds NaN/Inf
     */
    public static BufferedImage read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("cannot decode image " + file + ": " + (Files.exists(file) ? "not a regular file"
                    : "file does not exist"));
        }
        BufferedImage decoded;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new IOException("cannot decode image " + file + ": cannot open it"
                        + (Files.isReadable(file) ? "" : " (permission denied)"));
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException("cannot decode image " + file + ": no javax.imageio reader recognises its format"
                        + " (expected JPEG or PNG)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0), h = reader.getHeight(0);
                if (w * h > MAX_PIXELS) {
                    throw new IOException(file + ": image of " + w + " x " + h + " pixels (" + (w * h + (1 << 19)) / (1 << 20)
                            + " Mpixel) is over the " + (MAX_PIXELS >> 20) + " Mpixel limit: scale it down first");
                }
                decoded = reader.read(0, reader.getDefaultReadParam());
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            if (e.getMessage() != null && (e.getMessage().startsWith("cannot decode image " + file)
                    || e.getMessage().startsWith(file + ": "))) {
                throw e;
            }
            throw new IOException("cannot decode image " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // Some decoders throw unchecked exceptions on truncated or malformed data.
            throw new IOException("cannot decode image " + file + ": " + e, e);
        }
        if (decoded == null) {
            throw new IOException("cannot decode image " + file + ": the reader returned no image");
        }
        requireFiniteSamples(decoded, file);
        return toRgb(decoded);
    }

    /** Float and double rasters (float TIFFs) may hold NaN or infinities, which would silently become black pixels. */
    private static void requireFiniteSamples(BufferedImage image, Path file) throws IOException {
        Raster r = image.getRaster();
        int type = r.getDataBuffer().getDataType();
        if (type != DataBuffer.TYPE_FLOAT && type != DataBuffer.TYPE_DOUBLE) {
            return;
        }
        int w = r.getWidth(), h = r.getHeight(), bands = r.getNumBands();
        float[] row = new float[w * bands];
        for (int y = 0; y < h; y++) {
            r.getPixels(r.getMinX(), r.getMinY() + y, w, 1, row);
            for (int i = 0; i < row.length; i++) {
                if (!Float.isFinite(row[i])) {
                    try {
                        Tensor.requireFinite(row, new long[] {w, bands}, file + " (row " + y + " of a " + w + "x" + h
                                + " float image, index [x, channel])");
                    } catch (IllegalArgumentException e) {
                        throw new IOException(e.getMessage(), e);
                    }
                }
            }
        }
    }

    /** {@code image} itself when already INT_RGB, else a converted copy. */
    public static BufferedImage toRgb(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_INT_RGB) {
            return image;
        }
        BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        g.drawImage(image, 0, 0, null);
        g.dispose();
        return rgb;
    }

    /** Writes {@code image} as PNG through a temporary file and a rename; creates parent folders. */
    public static void writePng(Path file, BufferedImage image) throws IOException {
        AtomicFiles.write(file, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer available for " + file);
            }
        });
    }

    /** Scales so the shorter side equals {@code size}, keeping the aspect ratio. */
    public static BufferedImage resizeShorterSide(BufferedImage image, int size) {
        return resizeToCover(image, size, size);
    }

    /**
     * The smallest aspect-preserving rescale that covers a {@code height x width} crop: the shorter side
     * becomes {@code height} unless the image would then be narrower than {@code width} (wide crops).
     */
    public static BufferedImage resizeToCover(BufferedImage image, int height, int width) {
        double scale = Math.max((double) height / image.getHeight(), (double) width / image.getWidth());
        int w = Math.max(width, (int) Math.round(image.getWidth() * scale));
        int h = Math.max(height, (int) Math.round(image.getHeight() * scale));
        return resize(image, w, h);
    }

    /**
     * Resizes to exactly {@code width x height}. Downscaling halves repeatedly with bilinear filtering
     * (each halving is a 2x2 box filter) before the last step, so large reductions do not alias.
     */
    public static BufferedImage resize(BufferedImage image, int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        }
        BufferedImage current = toRgb(image);
        while (current.getWidth() >= 2 * width && current.getHeight() >= 2 * height) {
            current = draw(current, current.getWidth() / 2, current.getHeight() / 2, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        }
        if (current.getWidth() == width && current.getHeight() == height) {
            return current;
        }
        boolean upscaling = width > current.getWidth() || height > current.getHeight();
        return draw(current, width, height, upscaling ? RenderingHints.VALUE_INTERPOLATION_BICUBIC
                : RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    }

    /** Nearest-neighbour enlargement by an integer factor (for showing tiny images). */
    public static BufferedImage enlarge(BufferedImage image, int factor) {
        return factor == 1 ? image
                : draw(image, image.getWidth() * factor, image.getHeight() * factor, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
    }

    private static BufferedImage draw(BufferedImage source, int width, int height, Object interpolation) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, interpolation);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(source, 0, 0, width, height, null);
        g.dispose();
        return out;
    }

    /** A copy of the {@code width x height} region at (x, y). */
    public static BufferedImage crop(BufferedImage image, int x, int y, int width, int height) {
        if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > image.getWidth() || y + height > image.getHeight()) {
            throw new IllegalArgumentException("crop " + width + "x" + height + " at (" + x + "," + y + ") outside image "
                    + image.getWidth() + "x" + image.getHeight());
        }
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] pixels = image.getRGB(x, y, width, height, null, 0, width);
        out.setRGB(0, 0, width, height, pixels, 0, width);
        return out;
    }

    public static BufferedImage centerCrop(BufferedImage image, int width, int height) {
        return crop(image, (image.getWidth() - width) / 2, (image.getHeight() - height) / 2, width, height);
    }

    /** A crop at a uniformly random position. */
    public static BufferedImage randomCrop(BufferedImage image, int width, int height, RandomGenerator rng) {
        int x = rng.nextInt(image.getWidth() - width + 1);
        int y = rng.nextInt(image.getHeight() - height + 1);
        return crop(image, x, y, width, height);
    }

    /** The mirror image (left and right swapped). */
    public static BufferedImage flipHorizontal(BufferedImage image) {
        int w = image.getWidth(), h = image.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            for (int i = 0, j = w - 1; i < j; i++, j--) {
                int t = row[i];
                row[i] = row[j];
                row[j] = t;
            }
            out.setRGB(0, y, w, 1, row, 0, w);
        }
        return out;
    }

    /**
     * Tiles images row by row into {@code cols} columns with {@code margin} pixels around and between
     * them; every cell is as large as the largest tile, smaller tiles are centred.
     */
    public static BufferedImage grid(List<BufferedImage> tiles, int cols, int margin, Color background) {
        if (tiles.isEmpty() || cols <= 0) {
            throw new IllegalArgumentException("grid needs at least one tile and one column");
        }
        int cellW = tiles.stream().mapToInt(BufferedImage::getWidth).max().orElseThrow();
        int cellH = tiles.stream().mapToInt(BufferedImage::getHeight).max().orElseThrow();
        int columns = Math.min(cols, tiles.size());
        int rows = (tiles.size() + columns - 1) / columns;
        BufferedImage out = canvas(margin + columns * (cellW + margin), margin + rows * (cellH + margin), background);
        Graphics2D g = out.createGraphics();
        for (int i = 0; i < tiles.size(); i++) {
            BufferedImage t = tiles.get(i);
            int x = margin + (i % columns) * (cellW + margin) + (cellW - t.getWidth()) / 2;
            int y = margin + (i / columns) * (cellH + margin) + (cellH - t.getHeight()) / 2;
            g.drawImage(t, x, y, null);
        }
        g.dispose();
        return out;
    }

    /** Stacks images vertically (e.g. panoramas), left-aligned, with {@code margin} around and between. */
    public static BufferedImage stack(List<BufferedImage> images, int margin, Color background) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("stack needs at least one image");
        }
        int width = images.stream().mapToInt(BufferedImage::getWidth).max().orElseThrow() + 2 * margin;
        int height = margin + images.stream().mapToInt(i -> i.getHeight() + margin).sum();
        BufferedImage out = canvas(width, height, background);
        Graphics2D g = out.createGraphics();
        int y = margin;
        for (BufferedImage image : images) {
            g.drawImage(image, margin, y, null);
            y += image.getHeight() + margin;
        }
        g.dispose();
        return out;
    }

    private static BufferedImage canvas(int width, int height, Color background) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(background);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return out;
    }
}
