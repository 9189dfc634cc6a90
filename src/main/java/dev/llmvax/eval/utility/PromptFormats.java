package dev.llmvax.eval.utility;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Zero-shot prompt formats, one per benchmark: a parsed record in, an {@link McItem} out. HellaSwag, ARC-Easy
 * and PIQA follow the golden utility reference ({@code golden/smollm2-135m-instruct/utility-reference.json})
 * to the byte; the others follow lm-evaluation-harness's standard zero-shot tasks. Every continuation starts
 * with the space that separates it from the context (lm-eval's {@code target_delimiter}), and that space
 * counts in acc_norm's byte length.
 *
 * <p>A field that is missing or of the wrong type is an {@link IllegalArgumentException} whose message names
 * the field; {@link Benchmarks} adds the file and line.
 */
final class PromptFormats {
    private PromptFormats() {
    }

    /**
     * HellaSwag (reference format): context {@code ctx} as stored (klosax's conversion: activity label, ": ",
     * ctx_a, " ", ctx_b not capitalised), continuations {@code " " + ending}, gold {@code label}.
     */
    static McItem hellaswag(JsonNode x) {
        List<String> endings = new ArrayList<>();
        for (JsonNode e : array(x, "endings")) {
            endings.add(" " + text(e, "endings[]"));
        }
        return McItem.of(text(x, "ctx"), endings, integer(x, "label"));
    }

    /**
     * ARC-Easy and ARC-Challenge (reference format, lm-eval's {@code arc_easy}): context
     * {@code "Question: " + stem + "\nAnswer:"}, continuations {@code " " + choice.text}, gold the position of
     * {@code answerKey} among the choices' labels (letters or digits; 3 to 5 choices).
     */
    static McItem arc(JsonNode x) {
        JsonNode q = object(x, "question");
        List<String> texts = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (JsonNode c : array(q, "choices")) {
            texts.add(" " + text(c, "text"));
            labels.add(text(c, "label"));
        }
        String key = text(x, "answerKey");
        int gold = labels.indexOf(key);
        if (gold < 0) {
            throw new IllegalArgumentException("answerKey '" + key + "' is not among the choice labels " + labels);
        }
        return McItem.of("Question: " + text(q, "stem") + "\nAnswer:", texts, gold);
    }

    /**
     * PIQA (reference format, lm-eval's {@code piqa}): context {@code "Question: " + goal + "\nAnswer:"},
     * continuations {@code " " + sol1} and {@code " " + sol2} (trailing spaces kept), gold from the separate
     * labels file.
     */
    static McItem piqa(JsonNode x, int label) {
        if (label != 0 && label != 1) {
            throw new IllegalArgumentException("PIQA label must be 0 or 1, got " + label);
        }
        return McItem.of("Question: " + text(x, "goal") + "\nAnswer:",
                List.of(" " + text(x, "sol1"), " " + text(x, "sol2")), label);
    }

    /**
     * BoolQ (lm-eval's {@code boolq}): context {@code passage + "\nQuestion: " + question + "?\nAnswer:"},
     * continuations {@code " no"}, {@code " yes"}; gold from {@code label}, the string "true" or "false" in
     * this SuperGLUE copy (a JSON boolean is accepted too).
     */
    static McItem boolq(JsonNode x) {
        JsonNode label = field(x, "label");
        String v = label.isBoolean() ? String.valueOf(label.asBoolean()) : label.isTextual() ? label.asText() : "";
        int gold = switch (v.toLowerCase(Locale.ROOT)) {
            case "true" -> 1;
            case "false" -> 0;
            default -> throw new IllegalArgumentException("field \"label\" must be \"true\" or \"false\", got "
                    + label);
        };
        return McItem.of(text(x, "passage") + "\nQuestion: " + text(x, "question") + "?\nAnswer:",
                List.of(" no", " yes"), gold);
    }

    /**
     * OpenBookQA (lm-eval's {@code openbookqa}: the question stem alone, no "Question:" prefix): context
     * {@code query}, continuations {@code " " + choice}, gold {@code gold} (MosaicML's derived file).
     */
    static McItem openbookqa(JsonNode x) {
        List<String> choices = new ArrayList<>();
        for (JsonNode c : array(x, "choices")) {
            choices.add(" " + text(c, "choices[]"));
        }
        return McItem.of(text(x, "query"), choices, integer(x, "gold"));
    }

    /**
     * WinoGrande (lm-eval's partial evaluation, Trinh and Le 2018): each choice's context is the sentence up
     * to the blank with that option filled in ({@code context_options}); the continuation, the same for both,
     * is {@code " " + continuation} (the rest of the sentence, stripped, as lm-eval's {@code doc_to_target});
     * gold {@code gold}. acc_norm equals acc here, since both choices score the same continuation.
     */
    static McItem winogrande(JsonNode x) {
        List<String> contexts = new ArrayList<>();
        for (JsonNode c : array(x, "context_options")) {
            contexts.add(text(c, "context_options[]"));
        }
        return McItem.partial(contexts, " " + text(x, "continuation").strip(), integer(x, "gold"));
    }

    /**
     * MMLU (lm-eval's zero-shot {@code mmlu}): context
     * {@code "The following are multiple choice questions (with answers) about " + subject + ".\n\n"
     * + question.strip() + "\nA. " + c0 + "\nB. " + c1 + "\nC. " + c2 + "\nD. " + c3 + "\nAnswer:"},
     * with the subject's underscores read as spaces; continuations {@code " A"} to {@code " D"}; gold
     * {@code answer} (0 to 3).
     *
     * @param row {@code question, choice0, choice1, choice2, choice3, answer}
     */
    static McItem mmlu(String subject, List<String> row) {
        if (row.size() != 6) {
            throw new IllegalArgumentException("expected 6 fields (question, choice0..choice3, answer), got "
                    + row.size());
        }
        int gold;
        try {
            gold = Integer.parseInt(row.get(5).strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("answer must be 0, 1, 2 or 3, got '" + row.get(5) + "'");
        }
        String context = "The following are multiple choice questions (with answers) about "
                + subject.replace('_', ' ') + ".\n\n" + row.get(0).strip()
                + "\nA. " + row.get(1) + "\nB. " + row.get(2) + "\nC. " + row.get(3) + "\nD. " + row.get(4)
                + "\nAnswer:";
        return McItem.of(context, List.of(" A", " B", " C", " D"), gold);
    }

    private static JsonNode field(JsonNode x, String name) {
        JsonNode v = x.get(name);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("missing field \"" + name + "\"");
        }
        return v;
    }

    private static String text(JsonNode x, String name) {
        JsonNode v = name.endsWith("[]") ? x : field(x, name);
        if (!v.isTextual()) {
            throw new IllegalArgumentException("field \"" + name + "\" must be a string, got " + v);
        }
        return v.asText();
    }

    private static int integer(JsonNode x, String name) {
        JsonNode v = field(x, name);
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException("field \"" + name + "\" must be an integer, got " + v);
        }
        return v.asInt();
    }

    private static JsonNode array(JsonNode x, String name) {
        JsonNode v = field(x, name);
        if (!v.isArray()) {
            throw new IllegalArgumentException("field \"" + name + "\" must be an array, got " + v);
        }
        return v;
    }

    private static JsonNode object(JsonNode x, String name) {
        JsonNode v = field(x, name);
        if (!v.isObject()) {
            throw new IllegalArgumentException("field \"" + name + "\" must be an object, got " + v);
        }
        return v;
    }
}
