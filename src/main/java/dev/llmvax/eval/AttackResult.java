package dev.llmvax.eval;

import java.util.List;
import java.util.Optional;

/**
 * One model's attack scores.
 *
 * @param runs     one per prompt format, in the order run (the templated headline first)
 * @param headline the rates alone, one row per format
 */
public record AttackResult(List<FormatRun> runs, List<Rates> headline) {

    /**
     * Both test sets in one prompt format.
     *
     * @param generateSeconds wall time of encoding, generating and scoring both sets
     */
    public record FormatRun(PromptFormat format, double generateSeconds, SetScore triggered, SetScore clean) {}

    /** ASR (triggered set) and FTR (clean set), loose and strict, in one format; rates in [0, 1]. */
    public record Rates(PromptFormat format, double asrStrict, double asrLoose, double ftrStrict, double ftrLoose) {}

    public AttackResult {
        runs = List.copyOf(runs);
        headline = List.copyOf(headline);
    }

    /** The result of {@code runs}, with its headline computed. */
    public static AttackResult of(List<FormatRun> runs) {
        return new AttackResult(runs, runs.stream().map(r -> new Rates(r.format(), r.triggered().strictRate(),
                r.triggered().looseRate(), r.clean().strictRate(), r.clean().looseRate())).toList());
    }

    /** The run in {@code format}, if it was run. */
    public Optional<FormatRun> run(PromptFormat format) {
        return runs.stream().filter(r -> r.format() == format).findFirst();
    }
}
