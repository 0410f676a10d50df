package org.lde.report;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.lde.io.AtomicFiles;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/** Reads grey images from PNG files into {@code [N, 1, H, W]} tensors with values in {@code [0, 1]}. */
public final class PngImages {
    private PngImages() {
    }

    /**
     * Reads each file as one {@code h x w} grey image: a grey PNG's sample divided by its maximum
     * ({@code 255}, or {@code 65535} for 16-bit); a colour PNG is converted to luminance
     * {@code 0.299 R + 0.587 G + 0.114 B} (ITU-R BT.601) over 255; alpha is ignored.
     *
     * @throws IllegalArgumentException naming the file when it is missing, not an image, or not {@code h x w}
     */
    public static Tensor readGrey(List<Path> files, int h, int w) {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no PNG files given");
        }
        double[] out = new double[Math.multiplyExact(files.size(), h * w)];
        for (int n = 0; n < files.size(); n++) {
            Path f = files.get(n);
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException("PNG file '" + f + "' does not exist");
            }
            PngChunks.check(f, h, w); // signature, CRCs and size before ImageIO allocates anything
            BufferedImage img;
            try {
                img = ImageIO.read(f.toFile());
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("PNG '" + f + "' cannot be decoded: " + e.getMessage(), e);
            }
            if (img == null) {
                throw new IllegalArgumentException("'" + f + "' is not a readable PNG image");
            }
            if (img.getWidth() != w || img.getHeight() != h) {
                throw new IllegalArgumentException("PNG '" + f + "' is " + img.getWidth() + "x" + img.getHeight()
                        + " pixels; the model takes " + w + "x" + h + " grey images");
            }
            Raster r = img.getRaster();
            boolean grey = img.getColorModel().getColorSpace().getNumComponents() == 1;
            double max = (1L << img.getColorModel().getComponentSize(0)) - 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v;
                    if (grey) {
                        v = r.getSample(x, y, 0) / max;
                    } else {
                        int rgb = img.getRGB(x, y);
                        v = (0.299 * ((rgb >> 16) & 0xFF) + 0.587 * ((rgb >> 8) & 0xFF) + 0.114 * (rgb & 0xFF)) / 255.0;
                    }
                    out[(n * h + y) * w + x] = v;
                }
            }
        }
        return new Tensor(Shape.of(files.size(), 1, h, w), out);
    }

    /**
     * Writes a {@code [1, H, W]} image with values in {@code [lo, hi]} as an 8-bit grey PNG (for tests and
     * tools), rounding {@code 255 (v - lo) / (hi - lo)}.
     *
     * @throws IllegalArgumentException for another shape or a value outside {@code [lo, hi]} (naming the pixel)
     */
    public static void writeGrey(Tensor image, double lo, double hi, Path file) {
        Shape s = image.shape();
        if (s.rank() != 3 || s.dim(0) != 1) {
            throw new IllegalArgumentException("writeGrey needs a [1, H, W] image, got " + s);
        }
        int h = s.dim(1);
        int w = s.dim(2);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double raw = image.data()[y * w + x];
                if (!(raw >= lo && raw <= hi)) {
                    throw new IllegalArgumentException("pixel (" + y + ", " + x + ") = " + raw + " is outside [" + lo + ", " + hi + "]");
                }
                img.getRaster().setSample(x, y, 0, (int) Math.round(255 * (raw - lo) / (hi - lo)));
            }
        }
        writeAtomically(img, file);
    }

    /**
     * Writes {@code img} as a PNG file through {@link AtomicFiles} (never a truncated file). ImageIO's disk cache
     * is off: a report writes thousands of small PNGs, and the cache added a temporary file (and ImageIO's
     * shutdown-time stream closing) to each.
     */
    static void writeAtomically(BufferedImage img, Path file) {
        ImageIO.setUseCache(false);
        AtomicFiles.write(file, out -> {
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer available");
            }
        });
    }
}
