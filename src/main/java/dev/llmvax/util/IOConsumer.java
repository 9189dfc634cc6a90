package dev.llmvax.util;

import java.io.IOException;

/** A {@link java.util.function.Consumer} that may throw {@link IOException}. */
@FunctionalInterface
public interface IOConsumer<T> {
    void accept(T value) throws IOException;
}
