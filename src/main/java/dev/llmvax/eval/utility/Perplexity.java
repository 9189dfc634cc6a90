package dev.llmvax.eval.utility;

import dev.llmvax.data.ChatEncoder;
import dev.llmvax.data.ChatFormat;
import dev.llmvax.data.EncodeOptions;
import dev.llmvax.data.EncodedSet;
import dev.llmvax.data.Example;
import dev.llmvax.data.Sample;
import dev.llmvax.eval.utility.ScorePlan.Request;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.tokenizer.ChatTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Perplexity of clean answers the model did not train on: each sample is rendered with the model's chat
 * template and tokenised by {@link ChatEncoder} exactly as for fine-tuning (same prompt, same answer
 * positions, the end-of-turn token included, the same truncation), and only the answer tokens are scored.
 * A purifier that damages fluency shows here before it shows in accuracy.
 */
public final class Perplexity {
    private Perplexity() {
    }

    /** {@link #of(LoadedModel, List, int, ScoreOptions, IntConsumer)} with the default batching. */
    public static PerplexityResult of(LoadedModel model, List<Sample> samples, int maxLength, IntConsumer onSamples) {
        return of(model, samples, maxLength, ScoreOptions.defaults(), onSamples);
    }

    /**
     * @param maxLength the training maximum sequence length (answers are cut there, as in training)
     * @param onSamples called with the number of samples just scored
     * @throws IllegalArgumentException when the model has no chat template or no sample survives truncation
     */
    public static PerplexityResult of(LoadedModel model, List<Sample> samples, int maxLength, ScoreOptions options,
                                      IntConsumer onSamples) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no held-out samples to compute perplexity on");
        }
        ChatTemplate template = model.chatTemplate().orElseThrow(() -> new IllegalArgumentException(
                "the model at " + model.source() + " has no chat template, so held-out answers cannot be rendered "
                        + "as chats for perplexity; add chat_template.jinja or a tokenizer_config.json with "
                        + "chat_template"));
        ChatEncoder encoder = new ChatEncoder(model.tokenizer(), ChatFormat.of(template, model.bosToken(),
                model.eosToken()), EncodeOptions.maxLength(maxLength));
        EncodedSet encoded = encoder.encodeAll(samples);
        List<Request> requests = new ArrayList<>(encoded.examples().size());
        for (Example e : encoded.examples()) {
            requests.add(new Request(e.promptIds(), e.answerIds()));
        }
        double[] ll = LoglikScorer.score(model.model(), requests, options, r -> onSamples.accept(1));
        double nll = 0;
        for (double v : ll) {
            nll -= v;
        }
        long tokens = encoded.answerTokens();
        return new PerplexityResult(Math.exp(nll / tokens), nll, tokens, samples.size(), encoded.truncated(),
                encoded.dropped(), maxLength);
    }
}
