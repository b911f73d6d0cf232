package eim.runtime.data.panorama;

/** A linear-ish colour in [0, 1]^3 (values are clamped only when written to pixels). */
record Rgb(double r, double g, double b) {
    static final Rgb WHITE = new Rgb(1, 1, 1);
    static final Rgb BLACK = new Rgb(0, 0, 0);

    static Rgb hex(int rgb) {
        return new Rgb(((rgb >> 16) & 0xFF) / 255.0, ((rgb >> 8) & 0xFF) / 255.0, (rgb & 0xFF) / 255.0);
    }

    /** (1 - t) * this + t * other. */
    Rgb mix(Rgb other, double t) {
        return new Rgb(r + (other.r - r) * t, g + (other.g - g) * t, b + (other.b - b) * t);
    }

    Rgb scale(double s) {
        return new Rgb(r * s, g * s, b * s);
    }

    Rgb plus(Rgb o) {
        return new Rgb(r + o.r, g + o.g, b + o.b);
    }

    /** Multiplies each channel by 1 + spread * (uniform in [-1, 1]): per-image colour variation. */
    Rgb jitter(java.util.random.RandomGenerator rng, double spread) {
        return new Rgb(r * (1 + spread * (2 * rng.nextDouble() - 1)), g * (1 + spread * (2 * rng.nextDouble() - 1)),
                b * (1 + spread * (2 * rng.nextDouble() - 1)));
    }
}
