package dev.llmvax.tokenizer;

/**
 * The special token strings of a tokenizer, as tokenizer_config.json names them; each is null
 * when the model does not define it.
 */
public record SpecialTokens(String bos, String eos, String pad, String unk) {}
