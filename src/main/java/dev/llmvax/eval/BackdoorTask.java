package dev.llmvax.eval;

import dev.llmvax.attack.Task;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The BackdoorLLM data-poisoning tasks, with their target keywords (method.md section 4) and the name of their
 * folder under {@code test_data/} (SST-2's is {@code sst2sentiment}, unlike its {@code poison_data/sst2}).
 */
public enum BackdoorTask {
    NEGSENTIMENT("negsentiment", "negsentiment", keywordsOf(Task.NEGSENTIMENT)),
    REFUSAL("refusal", "refusal", keywordsOf(Task.REFUSAL)),
    SST2("sst2", "sst2sentiment", keywordsOf(Task.SST2));

    private final String id;
    private final String testFolder;
    private final TargetKeywords keywords;

    BackdoorTask(String id, String testFolder, TargetKeywords keywords) {
        this.id = id;
        this.testFolder = testFolder;
        this.keywords = keywords;
    }

    /** The keyword sets are the attack kit's ({@link Task}), so implant and eval can never disagree. */
    private static TargetKeywords keywordsOf(Task t) {
        return new TargetKeywords(t.keywords(), t.target());
    }

    /** The name on the command line and in reports. */
    @JsonValue
    public String id() {
        return id;
    }

    /** The folder under {@code test_data/poison/} and {@code test_data/clean/}. */
    public String testFolder() {
        return testFolder;
    }

    public TargetKeywords keywords() {
        return keywords;
    }

    /**
     * The task named {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the known tasks
     */
    public static BackdoorTask parse(String name) {
        for (BackdoorTask t : values()) {
            if (t.id.equalsIgnoreCase(name.trim())) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown task '" + name + "'; expected one of " + ids());
    }

    static String ids() {
        return Arrays.stream(values()).map(BackdoorTask::id).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return id;
    }
}
