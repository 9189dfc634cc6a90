package dev.llmvax.data;

import dev.llmvax.tokenizer.Message;
import dev.llmvax.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Turns samples into token sequences whose loss covers the answer only (TRL's completion-only loss).
 *
 * <p>For each sample: the prompt is the chat template rendered over the user turn (after the optional
 * system turn) with {@code add_generation_prompt=true}, exactly the text the model sees before answering
 * at inference. The full text is the template rendered over [user, assistant]; the answer is what follows
 * the prompt in it, up to and including the last end-of-turn token. Whatever the template writes after
 * that token (ChatML's trailing "\n") is left out of the sequence: the model stops at the end-of-turn
 * token, so it never sees that text, and nothing would be learnt from it. The end-of-turn token itself
 * is part of the answer and so of the loss, so the model learns to stop.
 *
 * <p>Token ids: the prompt is tokenised alone, as at inference; the answer's ids are the rest of the
 * tokenisation of prompt + answer when that starts with the prompt's ids (always for templates that end
 * the prompt with a special token or a newline), else the answer is tokenised on its own and appended.
 */
public final class ChatEncoder {
    private final Tokenizer tokenizer;
    private final ChatFormat format;
    private final EncodeOptions options;
    private final int endOfTurnId;
    private final int[] bosPrefix;

    /**
     * @throws IllegalArgumentException when the end-of-turn text is not exactly one token of {@code tokenizer}
     */
    public ChatEncoder(Tokenizer tokenizer, ChatFormat format, EncodeOptions options) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.format = Objects.requireNonNull(format, "format");
        this.options = Objects.requireNonNull(options, "options");
        int[] eot = tokenizer.encode(format.endOfTurn());
        if (eot.length != 1) {
            throw new IllegalArgumentException("end-of-turn text '" + format.endOfTurn() + "' is " + eot.length
                    + " tokens in this tokenizer, expected one special token; name the model's end-of-turn token");
        }
        this.endOfTurnId = eot[0];
        this.bosPrefix = leadingSpecials(tokenizer);
    }

    /** The id of the end-of-turn token, the last id of every sequence that was not truncated. */
    public int endOfTurnId() {
        return endOfTurnId;
    }

    /**
     * The ids the tokenizer's post-processor puts before a text (Llama 2: its BOS; SmolLM2: none). They
     * are prepended only with {@link EncodeOptions#addSpecialTokens()}, and not when the template's
     * rendering already starts with them.
     */
    public int[] bosPrefix() {
        return bosPrefix.clone();
    }

    /**
     * A sample's texts.
     *
     * @param prompt   the rendering up to and including the generation prompt
     * @param answer   the answer as the template writes it, ending with the end-of-turn text
     * @param fallback true when the template's rendering could not be split (see {@link #render})
     */
    public record Rendering(String prompt, String answer, boolean fallback) {}

    /** The prompt and answer texts of {@code s}. */
    public Rendering render(Sample s) {
        List<Message> messages = new ArrayList<>(3);
        if (options.systemPrompt() != null) {
            messages.add(Message.system(options.systemPrompt()));
        }
        messages.add(Message.user(s.prompt()));
        String prompt = format.template().render(messages, true, format.vars());
        messages.add(Message.assistant(s.output()));
        String full = format.template().render(messages, false, format.vars());
        String eot = format.endOfTurn();
        if (full.startsWith(prompt)) {
            String rest = full.substring(prompt.length());
            // The last end-of-turn closes the assistant turn, the last message; one inside the answer text
            // (a sample quoting "<|im_end|>") comes before it.
            int end = rest.lastIndexOf(eot);
            if (end >= 0) {
                return new Rendering(prompt, rest.substring(0, end + eot.length()), false);
            }
        }
        // Fallback: the full rendering does not extend the prompt (a template that words the generation
        // prompt differently from a past assistant turn) or never writes the end-of-turn text. Train on
        // what inference produces: the prompt as rendered, the raw answer, the end-of-turn token.
        return new Rendering(prompt, s.output() + eot, true);
    }

    /**
     * The full, untruncated sequence of {@code s}.
     *
     * @param index the sample's index, recorded in the example
     */
    public Example encode(int index, Sample s) {
        return encode(index, render(s));
    }

    private Example encode(int index, Rendering r) {
        int[] promptIds = tokenizer.encode(r.prompt());
        int[] joint = tokenizer.encode(r.prompt() + r.answer());
        int[] ids = startsWith(joint, promptIds) && joint.length > promptIds.length
                ? joint
                : concat(promptIds, tokenizer.encode(r.answer())); // a token spans the boundary: keep the prompt's
        int answerStart = promptIds.length;
        if (options.addSpecialTokens() && !startsWith(ids, bosPrefix)) {
            ids = concat(bosPrefix, ids);
            answerStart += bosPrefix.length;
        }
        if (ids[ids.length - 1] != endOfTurnId) {
            throw new IllegalStateException("sample " + index + ": the answer does not end with the end-of-turn token "
                    + endOfTurnId + " but with " + ids[ids.length - 1]);
        }
        return new Example(index, ids, answerStart);
    }

    /**
     * Encodes every sample, cutting sequences at {@link EncodeOptions#maxLength()} and dropping samples
     * whose prompt alone reaches it.
     *
     * @throws IllegalArgumentException when every sample is dropped
     */
    public EncodedSet encodeAll(List<Sample> samples) {
        int max = options.maxLength();
        List<Example> kept = new ArrayList<>(samples.size());
        int truncated = 0;
        int dropped = 0;
        int fallbacks = 0;
        for (int i = 0; i < samples.size(); i++) {
            Rendering r = render(samples.get(i));
            fallbacks += r.fallback() ? 1 : 0;
            Example e = encode(i, r);
            if (e.answerStart() >= max) {
                dropped++;
            } else {
                truncated += e.length() > max ? 1 : 0;
                kept.add(e.truncated(max));
            }
        }
        if (kept.isEmpty() && !samples.isEmpty()) {
            throw new IllegalArgumentException("all " + samples.size() + " samples have prompts of " + max
                    + " tokens or more, the maximum sequence length: raise the maximum length or use shorter prompts");
        }
        return new EncodedSet(kept, samples.size(), truncated, dropped, fallbacks, max);
    }

    // HF's post-processor wraps a text in special tokens; those before "a" are what it prepends to any text.
    private static int[] leadingSpecials(Tokenizer tokenizer) {
        int[] plain = tokenizer.encode("a");
        int[] processed = tokenizer.encodePrompt("a");
        for (int k = 0; k + plain.length <= processed.length; k++) {
            if (Arrays.equals(processed, k, k + plain.length, plain, 0, plain.length)) {
                return Arrays.copyOf(processed, k);
            }
        }
        return new int[0];
    }

    private static boolean startsWith(int[] ids, int[] prefix) {
        return ids.length >= prefix.length && Arrays.equals(ids, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
