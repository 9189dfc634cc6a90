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
    /** The sha256 of every file read: the model's, then the adapter's (for provenance). */
    public java.util.Map<String, String> fileSha256() throws java.io.IOException {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        for (java.nio.file.Path f : loaded.files()) {
            out.put(f.toString(), dev.llmvax.util.Hashing.sha256(f));
        }
        if (adapter.isPresent()) {
            for (String name : java.util.List.of(PeftAdapter.CONFIG_FILE, PeftAdapter.WEIGHTS_FILE)) {
                java.nio.file.Path p = adapter.get().dir().resolve(name);
                out.put(p.toString(), dev.llmvax.util.Hashing.sha256(p));
            }
        }
        return out;
    }

    @Override
    public void close() {
        try {
            loaded.close();
        } finally {
            adapter.ifPresent(PeftAdapter::close);
        }
    }
}
