package eim.runtime.data.panorama;

/**
 * One image of a scene class: the colour at every point (u, v), where v in [0, 1) runs from top to
 * bottom and u = x / height runs rightwards without bound. A painter's per-image parameters are
 * constants (no trend in u), so its statistics are the same at every horizontal position.
 *
 * <p>Images are painted column by column: {@link #column} is called with each u before the
 * {@link #colour} calls for that u, so 1-D profiles (ridge lines, skylines) are computed once per column.
 */
interface Painter {
    /** Prepares everything that depends on u only. */
    void column(double u);

    /** The colour at (u, v) for the u last given to {@link #column}. */
    Rgb colour(double u, double v);

    /** A vertical sky gradient from {@code top} at v = 0 to {@code horizon} at v = {@code horizonV}. */
    static Rgb sky(Rgb top, Rgb horizon, double v, double horizonV) {
        return top.mix(horizon, Math.pow(Noise.clamp(v / horizonV), 0.9));
    }
}
