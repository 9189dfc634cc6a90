package dev.llmvax.eval.utility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.SharedData;
import dev.llmvax.data.DataFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prompt strings of each benchmark's first item, byte for byte, and what bad input says. */
class BenchmarksTest {
    private static final Path EVAL = SharedData.root().resolve("data/eval");

    private static McItem first(String name) {
        List<McItem> items = Benchmarks.load(EVAL, name, 1);
        assertThat(items).hasSize(1);
        return items.get(0);
    }

    @Test
    void hellaswagAsTheReference() {
        assertThat(first("hellaswag")).isEqualTo(McItem.of("Roof shingle removal: A man is sitting on a roof. he",
                List.of(" is using wrap to wrap a pair of skis.", " is ripping level tiles off.",
                        " is holding a rubik's cube.", " starts pulling up roofing on a roof."), 3));
    }

    @Test
    void arcEasyAndChallengeAsTheReference() {
        assertThat(first("arc_easy")).isEqualTo(McItem.of("Question: Which statement best explains why photosynthesis"
                + " is the foundation of most food webs?\nAnswer:", List.of(
                " Sunlight is the source of energy for nearly all ecosystems.",
                " Most ecosystems are found on land instead of in water.",
                " Carbon dioxide is more available than other gases.",
                " The producers in all ecosystems are plants."), 0));
        assertThat(first("arc_challenge")).isEqualTo(McItem.of("Question: An astronomer observes that a planet rotates"
                + " faster after a meteorite impact. Which is the most likely effect of this increase in rotation?\nAnswer:",
                List.of(" Planetary density will decrease.", " Planetary years will become longer.",
                        " Planetary days will become shorter.", " Planetary gravity will become stronger."), 2));
    }

    @Test
    void arcGoldFollowsTheLabelNotThePosition() {
        // 97 ARC-Easy items key their answer with a digit; the 500 first hold at least one
        List<McItem> items = Benchmarks.load(EVAL, "arc_easy", 500);
        assertThat(items).hasSize(500);
        assertThat(items.stream().filter(i -> i.choices().size() == 3)).hasSize(2); // as the reference notes
    }

    @Test
    void piqaAsTheReference() {
        String common = " Provide the guinea pig with a cage full of a few inches of bedding made of ripped %s, you"
                + " will also need to supply it with a water bottle and a food dish.";
        assertThat(first("piqa")).isEqualTo(McItem.of("Question: How do I ready a guinea pig cage for it's new"
                + " occupants?\nAnswer:", List.of(common.formatted("paper strips"), common.formatted("jeans material")), 0));
    }

    @Test
    void boolqAsLmEval() {
        McItem item = first("boolq");
        String context = item.choices().get(0).context();
        assertThat(context).startsWith("Ethanol fuel -- All biomass goes through at least some of these steps:")
                .endsWith("concluded that producing ethanol from corn uses much less petroleum than producing gasoline."
                        + "\nQuestion: does ethanol take more energy make that produces?\nAnswer:");
        assertThat(item.continuations()).containsExactly(" no", " yes");
        assertThat(item.gold()).isZero(); // label "false"
    }

    @Test
    void openbookqaAsLmEval() {
        assertThat(first("openbookqa")).isEqualTo(McItem.of("A person wants to start saving money so that they can"
                + " afford a nice vacation at the end of the year. After looking over their budget and expenses, they"
                + " decide the best way to save money is to", List.of(" make more phone calls", " quit eating lunch out",
                " buy less with monopoly money", " have lunch with friends"), 1));
    }

    @Test
    void winograndeScoresTheSuffixAfterEachFilledPrefix() {
        McItem item = first("winogrande");
        assertThat(item).isEqualTo(McItem.partial(List.of("Sarah was a much better surgeon than Maria so Sarah",
                "Sarah was a much better surgeon than Maria so Maria"), " always got the easier cases.", 1));
    }

    @Test
    void mmluAsLmEvalZeroShotRoundRobinOverSubjects() {
        List<McItem> items = Benchmarks.load(EVAL, "mmlu", 58);
        assertThat(items.get(0)).isEqualTo(McItem.of("The following are multiple choice questions (with answers) about"
                + " abstract algebra.\n\nFind the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18))"
                + " over Q.\nA. 0\nB. 4\nC. 2\nD. 6\nAnswer:", List.of(" A", " B", " C", " D"), 1));
        assertThat(items.get(1).choices().get(0).context()).startsWith("The following are multiple choice questions"
                + " (with answers) about anatomy.\n\nA lesion causing compression of the facial nerve");
        assertThat(items.get(57).choices().get(0).context()).as("second round starts again at abstract algebra")
                .contains("about abstract algebra.\n\nLet p = (1, 2, 5, 4)(2, 3) in S_5 . Find the index of <p> in S_5.");
    }

    @Test
    void everyMmluRowParses() {
        // 14,042 test rows (INVENTORY.md), some with quoted newlines
        assertThat(Benchmarks.load(EVAL, "mmlu", 20_000)).hasSize(14_042);
    }

    @Test
    void firstNItemsInFileOrder() {
        List<McItem> ten = Benchmarks.load(EVAL, "hellaswag", 10);
        assertThat(Benchmarks.load(EVAL, "hellaswag", 3)).isEqualTo(ten.subList(0, 3));
        assertThat(Benchmarks.load(EVAL, "openbookqa", 10_000)).as("the whole file when it is shorter").hasSize(500);
    }

    @Test
    void unknownBenchmarkListsTheKnownOnes() {
        assertThatThrownBy(() -> Benchmarks.load(EVAL, "squad", 5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown benchmark 'squad'")
                .hasMessageContaining("hellaswag, arc_easy, arc_challenge, piqa, boolq, openbookqa, winogrande, mmlu");
        assertThat(Benchmark.parse("ARC-Easy")).isEqualTo(Benchmark.ARC_EASY);
    }

    @Test
    void missingFileIsNamed(@TempDir Path dir) {
        assertThatThrownBy(() -> Benchmarks.load(dir, "piqa", 5)).isInstanceOf(DataFormatException.class)
                .hasMessageContaining(dir.resolve("piqa/valid-labels.lst").toString()).hasMessageContaining("not found");
        assertThatThrownBy(() -> Benchmarks.load(dir, "mmlu", 5)).isInstanceOf(DataFormatException.class)
                .hasMessageContaining(dir.resolve("mmlu/test").toString());
    }

    @Test
    void malformedLinesAreNamedWithFileAndLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("arc_easy/ARC-Easy-Test.jsonl");
        Files.createDirectories(f.getParent());
        String good = "{\"question\": {\"stem\": \"Why?\", \"choices\": [{\"text\": \"a\", \"label\": \"A\"}, "
                + "{\"text\": \"b\", \"label\": \"B\"}]}, \"answerKey\": \"B\"}";
        Files.writeString(f, good + "\n\n{\"question\": {\"stem\": \"Why?\", \"choices\": []}, \"answerKey\": \"C\"}\n");
        assertThat(Benchmarks.load(dir, "arc_easy", 1).get(0).gold()).isEqualTo(1);
        assertThatThrownBy(() -> Benchmarks.load(dir, "arc_easy", 5)).isInstanceOf(DataFormatException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("record 2 (line 3)")
                .hasMessageContaining("answerKey 'C' is not among the choice labels");
        Files.writeString(f, good + "\n{not json\n");
        assertThatThrownBy(() -> Benchmarks.load(dir, "arc_easy", 5)).hasMessageContaining("line 2")
                .hasMessageContaining("is not valid JSON");
        Path h = dir.resolve("hellaswag/hellaswag_val.jsonl");
        Files.createDirectories(h.getParent());
        Files.writeString(h, "{\"ctx\": \"x\", \"endings\": [\"a\", \"b\"]}\n");
        assertThatThrownBy(() -> Benchmarks.load(dir, "hellaswag", 5)).hasMessageContaining("missing field \"label\"");
    }

    @Test
    void mmluNeedsItsHeader(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("mmlu/test/x_test.csv");
        Files.createDirectories(f.getParent());
        Files.writeString(f, "q,A,B,C,D,answer\n\"Q\",1,2,3,4,0\n");
        assertThatThrownBy(() -> Benchmarks.load(dir, "mmlu", 5)).isInstanceOf(DataFormatException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("must start with the header");
    }

    @Test
    void csvQuotesCommasAndNewlines() {
        assertThat(Csv.parse("a,b\n\"x, \"\"y\"\"\nz\",2\r\n\n3,\n")).containsExactly(List.of("a", "b"),
                List.of("x, \"y\"\nz", "2"), List.of("3", ""));
        assertThatThrownBy(() -> Csv.parse("\"open")).hasMessageContaining("not closed");
    }
}
