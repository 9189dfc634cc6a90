package dev.llmvax.data;

import dev.llmvax.tokenizer.ChatTemplate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How a model frames a conversation: its chat template, the variables the template reads, and the
 * text that ends an assistant turn (the token the model emits to stop, and which training must teach).
 *
 * @param template  the model's chat template
 * @param vars      extra template variables, typically {@code bos_token} and {@code eos_token}
 * @param endOfTurn the end-of-turn text, one token in the tokenizer ({@code <|im_end|>} for ChatML,
 *                  {@code <|eot_id|>} for Llama 3, {@code </s>} for Llama 2)
 */
public record ChatFormat(ChatTemplate template, Map<String, Object> vars, String endOfTurn) {

    public ChatFormat {
        Objects.requireNonNull(template, "template");
        vars = Map.copyOf(vars);
        if (endOfTurn == null || endOfTurn.isEmpty()) {
            throw new IllegalArgumentException("no end-of-turn token: the model's tokenizer config names no EOS token, "
                    + "so training could not teach the model to stop; give the end-of-turn token explicitly");
        }
    }

    /**
     * The usual case: {@code bos_token} and {@code eos_token} as tokenizer_config.json names them (either
     * may be null), and the EOS token ends the turn, as it does for SmolLM2, Llama 3 Instruct and Llama 2.
     */
    public static ChatFormat of(ChatTemplate template, String bosToken, String eosToken) {
        Map<String, Object> vars = new LinkedHashMap<>();
        if (bosToken != null) {
            vars.put("bos_token", bosToken);
        }
        if (eosToken != null) {
            vars.put("eos_token", eosToken);
        }
        return new ChatFormat(template, vars, eosToken);
    }
}
