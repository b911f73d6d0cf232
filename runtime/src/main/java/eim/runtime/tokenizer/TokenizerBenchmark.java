package eim.runtime.tokenizer;

import com.google.gson.Gson;
import eim.model.tokenizer.Network;
import eim.model.tokenizer.Tokenizer;
import eim.model.tokenizer.TokenizerConfig;
import eim.tasks.Device;
import eim.tasks.Devices;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Forward-only encode and decode time per image (a batch of square images of the preset's
 * resolution), one JSON line per preset with its config, for scripts/bench_tokenizer.py: the
 * median and every timed pass, after at least {@code --warmup} untimed passes and 3 s of them
 * (the first also sends the weights to the device; the JIT compiles during the rest), continued
 * until the JIT has compiled nothing for a second (at most 30 s). Usage: TokenizerBenchmark
 * [--device java] [--batch 1] [--reps 3] [--warmup 1] PRESET...
 */
public final class TokenizerBenchmark {
    /** Untimed passes continue for at least this long (and at least --warmup passes). */
    static final long WARMUP_NANOS = 3_000_000_000L;
    /**
     * ... and until the JIT has been idle this long: its last tier-4 compilations of the Winograd
     * transforms landed after 3 s of mini's passes, whose timed passes then ran 10x slow in 3 JVMs
     * of 5 (compile threads and the two workers share 2 cores).
     */
    static final long JIT_IDLE_NANOS = 1_000_000_000L, WARMUP_MAX_NANOS = 30_000_000_000L;

    private TokenizerBenchmark() {}

    public static void main(String[] args) {
        String device = "java";
        int reps = 3, batch = 1, warmup = 1;
        java.util.List<String> presets = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--device" -> device = args[++i];
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                default -> presets.add(args[i]);
            }
        }
        if (reps < 1 || batch < 1 || warmup < 1) {
            throw new IllegalArgumentException("--reps, --batch and --warmup must be positive");
        }
        try (Device d = Devices.open(device)) {
            for (String p : presets) {
                System.out.println(new Gson().toJson(measure(TokenizerConfig.preset(p), p, d, batch, warmup, reps)));
            }
        }
    }

    static Map<String, Object> measure(TokenizerConfig cfg, String preset, Device device, int batch, int warmup,
                                       int reps) {
        try (Tokenizer t = new Tokenizer(cfg, device, 0)) {
            int res = cfg.resolution(), tokens = cfg.tokensForWidth(res);
            Network enc = t.encoder(batch, res, false), dec = t.decoder(batch, tokens, false);
            Random r = new Random(0);
            for (int i = 0; i < enc.input().size(); i++) {
                enc.input().set(i, r.nextFloat() * 2 - 1);
            }
            // untimed: the weights' transfer, first-touch allocations, and the JVM's JIT (which needs
            // seconds of running, not one pass, for a small preset's millisecond passes)
            var jit = java.lang.management.ManagementFactory.getCompilationMXBean();
            long start = System.nanoTime(), now = start, jitChanged = start;
            long jitMs = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
            int passes = 0;
            while (passes < warmup || now - start < WARMUP_NANOS
                    || (jitMs >= 0 && now - jitChanged < JIT_IDLE_NANOS && now - start < WARMUP_MAX_NANOS)) {
                enc.forward();
                dec.input().copyFrom(enc.output().array());
                dec.forward();
                passes++;
                now = System.nanoTime();
                long compiled = jitMs >= 0 ? jit.getTotalCompilationTime() : -1;
                if (compiled != jitMs) {
                    jitMs = compiled;
                    jitChanged = now;
                }
            }
            double warmupS = (now - start) / 1e9;
            double[] encMs = new double[reps], decMs = new double[reps];
            for (int k = 0; k < reps; k++) {
                long t0 = System.nanoTime();
                enc.forward();
                long t1 = System.nanoTime();
                dec.forward();
                long t2 = System.nanoTime();
                encMs[k] = (t1 - t0) / 1e6 / batch;
                decMs[k] = (t2 - t1) / 1e6 / batch;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("preset", preset);
            m.put("size", res + "x" + res);
            m.put("batch", batch);
            m.put("config", cfg.toMetadata());
            m.put("parameters", t.parameters().count());
            m.put("reps", reps);
            m.put("warmup_passes", passes);
            m.put("warmup_s", Math.round(warmupS * 10) / 10.0);
            m.put("encode_ms", median(encMs));
            m.put("decode_ms", median(decMs));
            m.put("encode_all_ms", encMs);
            m.put("decode_all_ms", decMs);
            m.put("device", device.name());
            m.put("threads", Runtime.getRuntime().availableProcessors());
            return m;
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
