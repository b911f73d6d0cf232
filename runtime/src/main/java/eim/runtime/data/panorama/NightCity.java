package eim.runtime.data.panorama;

import java.util.SplittableRandom;

/**
 * A city skyline at night: a dark sky with stars and a warm glow at the horizon, a hazy back row of
 * towers and a dark front row with grids of lit windows, masts with red lights, and street lamps.
 */
final class NightCity implements Painter {
    private static final double GROUND = 0.86;
    private final int seed;
    private final double offset, litShare;
    private final Rgb skyTop, glow, backWall, frontWall, warm, cool, street, lamp;

    NightCity(int seed, SplittableRandom rng) {
        this.seed = seed;
        this.offset = rng.nextDouble() * 1000;
        this.litShare = 0.25 + 0.35 * rng.nextDouble();
        skyTop = Rgb.hex(0x05061a).jitter(rng, 0.2);
        glow = Rgb.hex(0x3b2444).jitter(rng, 0.2);
        backWall = Rgb.hex(0x1d2238).jitter(rng, 0.1);
        frontWall = Rgb.hex(0x0b0c14);
        warm = Rgb.hex(0xffd27a);
        cool = Rgb.hex(0xcfe3ff);
        street = Rgb.hex(0x0c0c12);
        lamp = Rgb.hex(0xffb347);
    }

    @Override
    public void column(double u) {}

    @Override
    public Rgb colour(double u, double v) {
        if (v >= GROUND) {
            return ground(u, v);
        }
        Rgb front = building(1, u, v, 0.16, 0.22, 0.62, frontWall);
        if (front != null) {
            return front;
        }
        Rgb back = building(0, u, v, 0.10, 0.15, 0.40, backWall);
        if (back != null) {
            return back;
        }
        return sky(u, v);
    }

    private Rgb sky(double u, double v) {
        Rgb sky = skyTop.mix(glow, Math.pow(v / GROUND, 2.2));
        // Stars: one candidate per small cell of the sky, few of them bright.
        double cell = 0.012;
        int cx = (int) Math.floor(u / cell + offset * 50), cy = (int) Math.floor(v / cell);
        float star = Noise.lattice(Noise.stream(seed, 3), cx, cy);
        if (star > 0.985 && v < 0.6) {
            return sky.mix(Rgb.WHITE, (star - 0.985) / 0.015 * (1 - v / 0.6));
        }
        return sky;
    }

    /**
     * Row {@code row} of buildings: one per cell of width {@code cellWidth}, with a random width,
     * height (between minHeight and maxHeight above the ground) and window pattern; null in the gaps.
     */
    private Rgb building(int row, double u, double v, double cellWidth, double minHeight, double maxHeight, Rgb wall) {
        int rowSeed = Noise.stream(seed, 10 + row);
        double t = u / cellWidth + offset + 0.5 * row;
        int cell = (int) Math.floor(t);
        double inCell = t - cell;
        double width = 0.6 + 0.4 * Noise.lattice(rowSeed, cell, 0);
        double left = (1 - width) * Noise.lattice(rowSeed, cell, 1);
        if (inCell < left || inCell > left + width) {
            return null;
        }
        double roof = GROUND - (minHeight + (maxHeight - minHeight) * Math.pow(Noise.lattice(rowSeed, cell, 2), 1.5));
        double mastTop = roof - 0.07;
        boolean mast = Noise.lattice(rowSeed, cell, 3) < 0.3;
        if (v < roof) {
            double centre = left + width / 2;
            if (mast && v >= mastTop && Math.abs(inCell - centre) * cellWidth < 0.004) {
                return v < mastTop + 0.01 ? Rgb.hex(0xff3b30) : wall;
            }
            return null;
        }
        // Windows: a grid fixed to the building; each window lit at random.
        double wx = (inCell - left) * cellWidth / 0.028, wy = (v - roof) / 0.04;
        int col = (int) Math.floor(wx), level = (int) Math.floor(wy);
        boolean inWindow = wx - col > 0.3 && wy - level > 0.35 && level >= 1 && wx < (width * cellWidth / 0.028) - 0.5;
        double share = litShare * (row == 0 ? 0.4 : 1);
        if (inWindow && Noise.lattice(Noise.stream(rowSeed, cell), col, level) < share) {
            Rgb light = Noise.lattice(rowSeed, cell, 4) < 0.7 ? warm : cool;
            return light.scale(row == 0 ? 0.55 : 0.95);
        }
        return wall;
    }

    private Rgb ground(double u, double v) {
        // Street lamps every 0.2 units along a line just below the skyline; their pools of light on the road.
        double spacing = 0.2;
        double dx = ((u / spacing + offset) % 1.0 + 1) % 1.0 - 0.5;
        double pool = Math.exp(-(dx * dx) / 0.02) * Noise.smoothstep(GROUND, 1.0, v);
        double bulb = Math.abs(v - (GROUND + 0.02)) < 0.01 && Math.abs(dx) < 0.04 ? 1 : 0;
        return street.mix(lamp.scale(0.5), 0.5 * pool).mix(lamp, bulb);
    }
}
