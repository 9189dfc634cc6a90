package dev.llmvax.lora;

import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.ModelLoader;
import dev.llmvax.model.Precision;
import java.nio.file.Path;
import java.util.Optional;
import org.bytedeco.pytorch.Device;

/**
 * The one way commands load a base model with a PEFT adapter: load the base, read the adapter and check it
 * against the base (modules, shapes, recorded base fingerprint), then merge it.
 */
public final class AdapterLoading {
    private AdapterLoading() {
    }

    /**
     * Loads {@code model} and merges the adapter in folder {@code adapter} into it.
     *
     * @throws dev.llmvax.io.ModelFormatException when the model or the adapter cannot be read, or the adapter
     *                                            does not belong to this base
     */
    public static AdaptedModel loadWithAdapter(Path model, Path adapter, Precision precision, Device device) {
        return load(model, java.util.Objects.requireNonNull(adapter, "adapter"), precision, device);
    }

    /** As {@link #loadWithAdapter}, or the model alone when {@code adapter} is null. */
    public static AdaptedModel load(Path model, Path adapter, Precision precision, Device device) {
        LoadedModel base = ModelLoader.load(model, precision, device);
        if (adapter == null) {
            return new AdaptedModel(base, Optional.empty());
        }
        try {
            PeftAdapter a = readFor(base, adapter);
            try {
                LoraMerge.merge(base.model(), a.weights());
            } catch (RuntimeException e) {
                a.close();
                throw e;
            }
            return new AdaptedModel(base, Optional.of(a));
        } catch (RuntimeException e) {
            base.close();
            throw e;
        }
    }

    /**
     * Reads the adapter in {@code dir} for {@code base} without merging it: checked against the base's modules
     * and shapes, and against its fingerprint when the adapter records one (computing that reads every weight
     * once).
     */
    public static PeftAdapter readFor(LoadedModel base, Path dir) {
        PeftAdapter a = PeftAdapter.read(dir, base.config());
        if (a.baseFingerprint().isPresent()) {
            try {
                a.checkBase(BaseFingerprint.of(base), base.source().toString());
            } catch (RuntimeException e) {
                a.close();
                throw e;
            }
        }
        return a;
    }
}
