package eim.bench;

import java.util.Locale;

/**
 * The Linear kernels of {@link LinearBench} and {@link LinearBackwardBench} (the same graphs on the
 * java backend), timed on command for {@code scripts/bench_paired.py linear}, which alternates them
 * with PyTorch's peers ({@code scripts/bench_kernels.py --paired}) shape by shape. Prints
 * {@code peak <GFLOP/s>} (the FMA probe over all cores, {@link FmaPeak}) and {@code ready}, then
 * answers each {@code run <benchmark> <MxNxK> <warm-up s> <timed s>} with {@code ms <mean per call>}:
 * calls run back to back until each span has passed, as JMH's iterations do.
 */
public final class LinearPaired {
    private LinearPaired() {}

    public static void main(String[] args) throws Exception {
        Lockstep.answer(String.format(Locale.ROOT, "peak %.2f",
                FmaPeak.measure(Runtime.getRuntime().availableProcessors(), 200, 1_000_000)));
        String key = null;
        Runnable call = null, tearDown = () -> {};
        for (String line = Lockstep.command(); line != null; line = Lockstep.command()) {
            String[] f = line.split(" ");
            if (f.length != 5 || !f[0].equals("run")) {
                throw new IllegalArgumentException("expected 'run <benchmark> <MxNxK> <warm-up s> <timed s>', got '" + line + "'");
            }
            if (!(f[1] + " " + f[2]).equals(key)) {
                tearDown.run();
                key = f[1] + " " + f[2];
                switch (f[1]) {
                    case "linear_forward" -> {
                        LinearBench b = new LinearBench();
                        b.backend = "java";
                        b.shape = f[2];
                        b.setup();
                        call = b::linear_forward;
                        tearDown = b::tearDown;
                    }
                    case "linear_backward_input", "linear_backward_weight" -> {
                        LinearBackwardBench b = new LinearBackwardBench();
                        b.backend = "java";
                        b.shape = f[2];
                        b.setup();
                        call = f[1].endsWith("input") ? b::linear_backward_input : b::linear_backward_weight;
                        tearDown = b::tearDown;
                    }
                    default -> throw new IllegalArgumentException("unknown benchmark " + f[1]);
                }
            }
            long warmEnd = System.nanoTime() + (long) (Double.parseDouble(f[3]) * 1e9);
            while (System.nanoTime() < warmEnd) {
                call.run();
            }
            long span = (long) (Double.parseDouble(f[4]) * 1e9), t0 = System.nanoTime(), elapsed;
            int calls = 0;
            do {
                call.run();
                calls++;
                elapsed = System.nanoTime() - t0;
            } while (elapsed < span);
            Lockstep.report(elapsed / 1e6 / calls);
        }
        tearDown.run();
    }
}
