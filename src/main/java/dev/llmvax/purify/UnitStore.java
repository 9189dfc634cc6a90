package dev.llmvax.purify;

import dev.llmvax.io.DType;
import dev.llmvax.io.SafetensorsFile;
import dev.llmvax.io.SafetensorsWriter;
import dev.llmvax.model.Tensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Where {@link ChannelScores.Accumulator} keeps earlier variants' unit-normalised per-unit deltas until the later
 * variants have been compared with them (Eq. 2's pairwise cosines need every pair of variants).
 *
 * <p>Sizes: a variant's MLP deltas are N_layers x 3 x intermediate x hidden values (SmolLM2: 80 M, so 160 MB a
 * variant in bf16, 0.8 GB for the 5 a 6-variant run keeps; a 7B Llama: 8.6 GB a variant). bf16 is the default:
 * a cosine of bf16-rounded unit vectors is off by ~1e-3 at most, which λ = 0.01 shrinks below any score
 * difference that matters. {@link #memory} suits small models, {@link #disk} large ones.
 */
public sealed interface UnitStore extends AutoCloseable permits UnitStore.Memory, UnitStore.Disk {

    /** Keeps a copy of {@code units} (units, features) for {@code variant}; the caller keeps {@code units}. */
    void put(int variant, MatrixId id, Tensor units);

    /** What {@link #put} stored, as a new float32 CPU tensor the caller closes. */
    Tensor get(int variant, MatrixId id);

    /** Frees what is held in memory (a disk store leaves its files: the folder is the caller's). */
    @Override
    void close();

    /** In native memory, at {@code dtype} ({@link DType#BF16} or {@link DType#F32}). */
    static UnitStore memory(DType dtype) {
        return new Memory(scalarType(dtype));
    }

    /**
     * One safetensors file per variant and matrix under {@code dir} ({@code variant-1/model.layers.0.mlp.
     * gate_proj.safetensors}), at {@code dtype}.
     */
    static UnitStore disk(Path dir, DType dtype) {
        return new Disk(dir, dtype);
    }

    static ScalarType scalarType(DType dtype) {
        return switch (dtype) {
            case BF16 -> ScalarType.BFloat16;
            case F32 -> ScalarType.Float;
            default -> throw new IllegalArgumentException("unit deltas are stored as bf16 or f32, not " + dtype);
        };
    }

    /** A float32 copy of {@code t}, the caller's to close. */
    private static Tensor floatCopy(Tensor t) {
        try (Tensor f = t.to(ScalarType.Float)) {
            return f.clone();
        }
    }

    /** Tensors kept in native memory. */
    final class Memory implements UnitStore {
        private final ScalarType type;
        private final Map<String, Tensor> held = new HashMap<>();

        Memory(ScalarType type) {
            this.type = type;
        }

        @Override
        public void put(int variant, MatrixId id, Tensor units) {
            Tensor copy;
            try (Tensor t = units.to(type)) {
                copy = t.clone(); // contiguous, and never an alias of the caller's tensor
            }
            copy.retainReference(); // outlives the caller's PointerScope; close() frees it
            Tensor old = held.put(variant + "/" + id, copy);
            if (old != null) {
                old.close();
            }
        }

        @Override
        public Tensor get(int variant, MatrixId id) {
            Tensor t = held.get(variant + "/" + id);
            if (t == null) {
                throw new IllegalStateException("no stored deltas of variant " + variant + " for " + id);
            }
            return floatCopy(t);
        }

        @Override
        public void close() {
            held.values().forEach(Tensor::close);
            held.clear();
        }
    }

    /** One small safetensors file per variant and matrix. */
    final class Disk implements UnitStore {
        private static final String NAME = "units";
        private final Path dir;
        private final DType dtype;

        Disk(Path dir, DType dtype) {
            scalarType(dtype); // refuses other dtypes now, not at the first put
            this.dir = dir;
            this.dtype = dtype;
        }

        private Path file(int variant, MatrixId id) {
            return dir.resolve("variant-" + variant).resolve(id.modulePath() + ".safetensors");
        }

        @Override
        public void put(int variant, MatrixId id, Tensor units) {
            Path f = file(variant, id);
            try {
                Files.createDirectories(f.getParent());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + f.getParent() + ": " + e.getMessage(), e);
            }
            SafetensorsWriter.write(f, Map.of("format", "pt"), List.of(new SafetensorsWriter.TensorEntry(NAME, dtype,
                    Tensors.shape(units), Tensors.toSegment(units, scalarType(dtype)))));
        }

        @Override
        public Tensor get(int variant, MatrixId id) {
            try (SafetensorsFile sf = SafetensorsFile.open(file(variant, id));
                 Tensor t = Tensors.fromSegment(sf.data(NAME), scalarType(dtype), sf.tensors().get(NAME).shape())) {
                return floatCopy(t);
            }
        }

        @Override
        public void close() {
        }
    }
}
