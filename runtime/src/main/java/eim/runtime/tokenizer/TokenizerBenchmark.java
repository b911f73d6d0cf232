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
 * Forward-only encode and decode time per image (batch 1, square images of the preset's
 * resolution), one JSON line per preset with its config, for scripts/bench_tokenizer.py.
 * Usage: TokenizerBenchmark [--device java] [--reps N] PRESET...
 */
public final class TokenizerBenchmark {
    private TokenizerBenchmark() {}

    public static void main(String[] args) {
        String device = "java";
        int reps = 3;
        java.util.List<String> presets = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--device" -> device = args[++i];
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                default -> presets.add(args[i]);
            }
        }
        try (Device d = Devices.open(device)) {
            for (String p : presets) {
                System.out.println(new Gson().toJson(measure(TokenizerConfig.preset(p), p, d, reps)));
            }
        }
    }

    static Map<String, Object> measure(TokenizerConfig cfg, String preset, Device device, int reps) {
        try (Tokenizer t = new Tokenizer(cfg, device, 0)) {
            int res = cfg.resolution(), tokens = cfg.tokensForWidth(res);
            Network enc = t.encoder(1, res, false), dec = t.decoder(1, tokens, false);
            Random r = new Random(0);
            for (int i = 0; i < enc.input().size(); i++) {
                enc.input().set(i, r.nextFloat() * 2 - 1);
            }
            // one untimed pass: device transfers of the weights, first-touch allocations
            enc.forward();
            dec.input().copyFrom(enc.output().array());
            dec.forward();
            double encMs = Double.MAX_VALUE, decMs = Double.MAX_VALUE;
            for (int k = 0; k < reps; k++) {
                long t0 = System.nanoTime();
                enc.forward();
                long t1 = System.nanoTime();
                dec.forward();
                long t2 = System.nanoTime();
                encMs = Math.min(encMs, (t1 - t0) / 1e6);
                decMs = Math.min(decMs, (t2 - t1) / 1e6);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("preset", preset);
            m.put("size", res + "x" + res);
            m.put("config", cfg.toMetadata());
            m.put("parameters", t.parameters().count());
            m.put("reps", reps);
            m.put("encode_ms", encMs);
            m.put("decode_ms", decMs);
            m.put("device", device.name());
            m.put("threads", Runtime.getRuntime().availableProcessors());
            return m;
        }
    }
}
