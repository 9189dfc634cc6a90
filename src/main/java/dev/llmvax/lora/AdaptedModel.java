package dev.llmvax.lora;

import dev.llmvax.model.LoadedModel;
import java.util.Optional;

/**
 * A base model with a LoRA adapter merged into its weights (or no adapter at all), and the adapter itself: its
 * factors stay available for {@link LoraMerge#deltas} and {@link LoraMerge#unmerge}.
 *
 * <p>Ownership: closing closes both.
 *
 * @param loaded  the model, adapter merged
 * @param adapter the adapter merged into it, or empty when none was given
 */
public record AdaptedModel(LoadedModel loaded, Optional<PeftAdapter> adapter) implements AutoCloseable {
    @Override
    public void close() {
        try {
            loaded.close();
        } finally {
            adapter.ifPresent(PeftAdapter::close);
        }
    }
}
