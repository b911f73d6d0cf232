package eim.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** Every option of every command documents itself in --help: what it does and its default. */
class HelpTest {

    /**
     * Walks the command tree of {@code eim}: every option but help/version has a description; one with a default
     * (its defaultValue or its field's initial value) shows it (${DEFAULT-VALUE} or the value itself); one without,
     * unless required or a switch, says what happens when it is absent (the word "default" or "required unless").
     */
    @Test
    void everyOptionHasADescriptionAndSaysItsDefault() {
        List<String> problems = new ArrayList<>();
        walk(new CommandLine(new Main()), problems);
        assertTrue(problems.isEmpty(), problems.size() + " options document themselves badly:\n" + String.join("\n", problems));
    }

    private static void walk(CommandLine cl, List<String> problems) {
        CommandSpec spec = cl.getCommandSpec();
        for (OptionSpec o : spec.options()) {
            if (o.usageHelp() || o.versionHelp()) {
                continue;
            }
            String where = spec.qualifiedName() + " " + o.longestName();
            String text = String.join(" ", o.description()).strip();
            if (text.isEmpty()) {
                problems.add(where + ": no description");
                continue;
            }
            if (o.required() || o.arity().max() == 0) {
                continue; // required, or a switch that is off unless given
            }
            String value = defaultOf(o);
            if (value != null) {
                if (!text.contains("${DEFAULT-VALUE}") && !text.contains(value)) {
                    problems.add(where + ": default " + value + " not shown in \"" + text + "\"");
                }
            } else {
                String lower = text.toLowerCase(Locale.ROOT);
                if (!lower.contains("default") && !lower.contains("required unless")) {
                    problems.add(where + ": no default and no word on what happens without it in \"" + text + "\"");
                }
            }
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (String.join(" ", p.description()).isBlank()) {
                problems.add(spec.qualifiedName() + " " + p.paramLabel() + ": no description");
            }
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            walk(sub, problems);
        }
    }

    /** The annotation's defaultValue, else the field's initial value (what picocli shows as ${DEFAULT-VALUE}); null if none. */
    private static String defaultOf(OptionSpec o) {
        if (o.defaultValue() != null) {
            return o.defaultValue();
        }
        return o.hasInitialValue() && o.initialValue() != null ? String.valueOf(o.initialValue()) : null;
    }

    @Test
    void sharedOptionsKeepEachCommandsDefaultAndShowIt() {
        CommandLine eim = new CommandLine(new Main());
        String demo = eim.getSubcommands().get("demo").getUsageMessage(CommandLine.Help.Ansi.OFF);
        String train = eim.getSubcommands().get("train").getUsageMessage(CommandLine.Help.Ansi.OFF);
        String generate = eim.getSubcommands().get("generate").getUsageMessage(CommandLine.Help.Ansi.OFF);
        String sample = eim.getSubcommands().get("sample").getUsageMessage(CommandLine.Help.Ansi.OFF);
        for (String usage : List.of(demo, train, generate, sample)) {
            assertFalse(usage.contains("${"), "every variable is resolved:\n" + usage);
            assertTrue(usage.contains("--seed=N"), usage);
        }
        assertTrue(flat(demo).contains("the same result (default 1)"), demo);
        assertTrue(flat(train).contains("the same result (default 1)"), train);
        assertTrue(flat(generate).contains("the same result (default 0)"), generate);
        assertTrue(flat(generate).contains("created if missing (default out/generated)"), generate);
        assertTrue(flat(generate).contains("--cfg-schedule") && flat(sample).contains("(default linear)"), sample);
        assertTrue(flat(sample).contains("the authors' (.ckpt"), "sample reads the authors' checkpoints like forward:\n" + sample);

        CommandLine.ParseResult parsed = eim.parseArgs("demo", "--toy");
        DemoCommand d = parsed.subcommand().commandSpec().commandLine().getCommand();
        assertEquals(1, d.seed.value);
        assertEquals(Path.of("out"), d.out.path);
        parsed = new CommandLine(new Main()).parseArgs("generate", "--random-weights", "--class", "1", "--seed", "7");
        GenerateCommand g = parsed.subcommand().commandSpec().commandLine().getCommand();
        assertEquals(7, g.seed.value);
        assertEquals(Path.of("out/generated"), g.out.path);
        assertEquals("linear", g.sampling.cfgSchedule);
        assertEquals(100, g.sampling.steps);
        assertEquals(3f, g.sampling.cfg);
        // the sampling options are one mixin with each command's defaults: evaluate takes 25 flow steps
        String evaluate = eim.getSubcommands().get("evaluate").getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertFalse(evaluate.contains("${"), evaluate);
        assertTrue(flat(evaluate).contains("steps per token (default 25)"), evaluate);
        assertTrue(flat(generate).contains("steps per token (default 100)"), generate);
        assertTrue(flat(sample).contains("steps per token (default 100)"), sample);
    }

    /** The authors' defaults where we had no reason to differ: no gradient clipping in tokenizer training. */
    @Test
    void tokenizerTrainingDoesNotClipUnlessAsked() {
        assertEquals(0f, eim.runtime.tokenizer.TrainOptions.defaults().clipNorm());
        CommandLine.ParseResult parsed = new CommandLine(new Main()).parseArgs("tokenizer", "train", "--synthetic", "4");
        TokenizerCommand.Train train = parsed.subcommand().subcommand().commandSpec().commandLine().getCommand();
        assertEquals(0f, train.clip);
        parsed = new CommandLine(new Main()).parseArgs("tokenizer", "train", "--synthetic", "4", "--clip", "1");
        train = parsed.subcommand().subcommand().commandSpec().commandLine().getCommand();
        assertEquals(1f, train.clip);
    }

    /** Usage text with its line wrapping undone. */
    private static String flat(String usage) {
        return usage.replaceAll("\\s+", " ");
    }
}
