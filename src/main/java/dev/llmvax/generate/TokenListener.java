package dev.llmvax.generate;

/** Receives tokens as they are generated, for streaming output. */
@FunctionalInterface
public interface TokenListener {
    /** Row {@code row} just produced {@code tokenId}; {@code stop} is true when it ends that row. */
    void onToken(int row, int tokenId, boolean stop);

    TokenListener NONE = (row, id, stop) -> { };
}
