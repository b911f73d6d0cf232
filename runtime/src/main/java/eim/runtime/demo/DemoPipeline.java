package eim.runtime.demo;

import eim.model.generator.EquivariantGenerator;
import eim.model.tokenizer.Tokenizer;
import eim.runtime.tokenizer.TokenizerTrainer;
import eim.tasks.Device;
import eim.tasks.Devices;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole demo, end to end: procedural panoramas -> tokenizer training -> tokenization (EMA
 * weights) -> generator training -> class-conditional sampling (grids with and without guidance,
 * ultra-long panoramas) -> decoding -> out/report.html. Trained models stay in the output folder and
 * are reused by a later run with the same settings.
 *
 * <pre>{@code
 * DemoPipeline.Result r = new DemoPipeline(DemoConfig.standard().withOut(Path.of("out"))).run();
 * }</pre>
 */
public final class DemoPipeline {
    private static final Logger log = LoggerFactory.getLogger(DemoPipeline.class);
    public static final String REPORT = "report.html";

    /** The report, every figure it shows (by name), and the wall time of each phase. */
    public record Result(Path report, Map<String, Path> figures, Map<String, Duration> timings) {}

    private final DemoConfig c;
    private final Map<String, Duration> timings = new LinkedHashMap<>();
    private final Map<String, Path> figureFiles = new LinkedHashMap<>();

    public DemoPipeline(DemoConfig config) {
        this.c = config;
    }

    @FunctionalInterface
    private interface Phase<T> {
        T run() throws Exception;
    }

    /** Runs {@code phase}, logging and recording its wall time under {@code name}. */
    private <T> T timed(String name, Phase<T> phase) throws Exception {
        log.info("== {}", name);
        long start = System.nanoTime();
        T result = phase.run();
        timings.put(name, Duration.ofNanos(System.nanoTime() - start));
        return result;
    }

    public Result run() throws Exception {
        Files.createDirectories(c.out());
        DemoState state = DemoState.load(c.out());
        Figures figures = new Figures(c.out());
        DemoReport report = new DemoReport(c);
        try (Device device = Devices.open(c.device())) {
            report.device(device.info().describe().replaceAll("\\s+", " "));
            DemoData data = timed("dataset", () -> DemoData.create(c));
            figureFiles.put("data", figures.data(data));

            TokenizerStage.Training tokTraining = timed("tokenizer training",
                    () -> TokenizerStage.trainOrReuse(c, data, device, state));
            figureFiles.put("tokenizer loss", figures.lossPlot("tokenizer-loss.png",
                    "tokenizer: mean absolute reconstruction error (training batches)",
                    c.out().resolve(TokenizerStage.LOSS_CSV), "l1"));
            try (Tokenizer tokenizer = TokenizerStage.load(c, device)) {
                List<BufferedImage> recon = timed("reconstruction examples",
                        () -> TokenizerStage.reconstruct(tokenizer, data.heldOut()));
                TokenizerTrainer.Evaluation quality = TokenizerStage.evaluate(c, tokenizer, data);
                figureFiles.put("reconstructions", figures.reconstructions(data.heldOut(), recon, c.heldOutPerClass()));
                report.tokenizer(tokTraining, quality);

                TokenizerStage.Tokens tokens = timed("tokenization", () -> TokenizerStage.tokenizeOrReuse(c, data, tokenizer, state));
                GeneratorStage.Training genTraining = timed("generator training",
                        () -> GeneratorStage.trainOrReuse(c, tokens, device, state));
                figureFiles.put("generator loss", figures.lossPlot("generator-loss.png",
                        "generator: flow-matching loss (training batches)",
                        GeneratorStage.checkpoint(c).resolveSibling(GeneratorStage.LOSS_CSV), "loss"));
                report.generator(genTraining, tokens);

                EquivariantGenerator model = GeneratorStage.load(c);
                SamplingStage sampling = new SamplingStage(c, model, tokenizer, tokens.vaeNorm(), device);
                List<SamplingStage.Samples> grids = new ArrayList<>();
                for (float cfg : c.guidanceScales()) {
                    SamplingStage.Samples s = timed("sampling, cfg " + cfg, () -> sampling.grid(cfg));
                    grids.add(s);
                    figureFiles.put("samples cfg " + cfg, figures.samples(s, c.samplesPerClass()));
                }
                SamplingStage.Samples panoramas = timed("panoramas (" + c.panoramaFactor() + "x wide)", sampling::panoramas);
                figureFiles.put("panoramas", figures.panoramas(panoramas));
                figureFiles.put("real panoramas", figures.realPanoramas(c));
                report.samples(grids, panoramas);
            }
        }
        Path html = c.out().resolve(REPORT);
        report.render(figureFiles, timings).write(html);
        log.info("report: {}", html.toAbsolutePath());
        return new Result(html, Collections.unmodifiableMap(figureFiles), Collections.unmodifiableMap(timings));
    }
}
