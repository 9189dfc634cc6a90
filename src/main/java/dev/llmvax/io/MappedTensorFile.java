package dev.llmvax.io;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;

/**
 * What GGUF and safetensors files have in common once parsed: a read-only mapping of the whole file and the
 * tensors it holds, each bounds-checked against the file.
 */
public abstract sealed class MappedTensorFile implements AutoCloseable permits GgufFile, SafetensorsFile {
    protected final Path path;
    private final MappedFile mapped;
    private final Map<String, TensorInfo> tensors;

    MappedTensorFile(Path path, MappedFile mapped, Map<String, TensorInfo> tensors) {
        this.path = path;
        this.mapped = mapped;
        this.tensors = tensors;
    }

    /** The file this was opened from. */
    public Path path() {
        return path;
    }

    /** Tensors in file order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** A read-only view of a tensor's stored bytes, valid until {@link #close()}. */
    public MemorySegment data(String name) {
        TensorInfo t = info(name);
        return mapped.segment().asSlice(t.offset(), t.byteLength());
    }

    /** The tensor converted (dequantized if need be) to float32, row-major in torch order. */
    public float[] toFloats(String name) {
        TensorInfo t = info(name);
        try {
            return Dequant.toFloats(t.dtype(), data(name), t.elements());
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(path, "tensor " + name + ": " + e.getMessage(), e);
        }
    }

    private TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new ModelFormatException(path, "no tensor named " + name + " (the file has "
                    + tensors.size() + " tensors)");
        }
        return t;
    }

    /** Unmaps the file; segments from {@link #data} become inaccessible. */
    @Override
    public void close() {
        mapped.arena().close();
    }
}
