package dev.llmvax.model;

import java.lang.foreign.MemorySegment;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Copies between Java memory and libtorch tensors.
 *
 * <p>Ownership: every method returns a tensor that owns its storage (a clone, never a view of Java memory), so
 * the caller may free the source right away; the caller closes the returned tensor.
 */
public final class Tensors {
    static {
        Engine.init();
    }

    private Tensors() {
    }

    /** A new float32 tensor holding a copy of {@code values}. */
    public static Tensor fromFloats(float[] values, long... shape) {
        checkCount(values.length, shape);
        try (FloatPointer p = new FloatPointer(values); Tensor view = torch.from_blob(p, shape,
                new TensorOptions(ScalarType.Float))) {
            return view.clone();
        }
    }

    /** A new int64 tensor holding a copy of {@code values}. */
    public static Tensor fromLongs(long[] values, long... shape) {
        checkCount(values.length, shape);
        try (LongPointer p = new LongPointer(values); Tensor view = torch.from_blob(p, shape,
                new TensorOptions(ScalarType.Long))) {
            return view.clone();
        }
    }

    /** A new int64 tensor from int ids. */
    public static Tensor fromInts(int[] values, long... shape) {
        long[] l = new long[values.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = values[i];
        }
        return fromLongs(l, shape);
    }

    /** A new tensor of {@code type} copied from raw little-endian bytes (a mapped file slice, say). */
    public static Tensor fromSegment(MemorySegment data, ScalarType type, long... shape) {
        MemorySegment src = data;
        if (!data.isNative()) {
            // Heap memory has no stable address: stage it in native memory first.
            src = java.lang.foreign.Arena.ofAuto().allocate(data.byteSize(), 16);
            src.copyFrom(data);
        }
        Pointer p = new BytePointer(src.asByteBuffer());
        try (Tensor view = torch.from_blob(p, shape, new TensorOptions(type))) {
            if (view.nbytes() != data.byteSize()) {
                throw new IllegalArgumentException("tensor of shape " + java.util.Arrays.toString(shape) + " and "
                        + type + " needs " + view.nbytes() + " bytes, found " + data.byteSize());
            }
            return view.clone();
        } finally {
            p.close();
            // the native copy above reads src's memory: keep an auto-arena segment alive until it is done
            java.lang.ref.Reference.reachabilityFence(src);
        }
    }

    /** The values of {@code t} as float32, in row-major order. */
    public static float[] toFloats(Tensor t) {
        try (Tensor c = t.to(ScalarType.Float).contiguous()) {
            long n = c.numel();
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("tensor too large for a Java array: " + n + " elements");
            }
            float[] out = new float[(int) n];
            c.data_ptr_float().get(out);
            return out;
        }
    }

    /** The values of an integer tensor as longs. */
    public static long[] toLongs(Tensor t) {
        try (Tensor c = t.to(ScalarType.Long).contiguous()) {
            long[] out = new long[(int) c.numel()];
            c.data_ptr_long().get(out);
            return out;
        }
    }

    /**
     * Copies the raw bytes of {@code t} (converted to {@code type}) into a new heap segment, for writing
     * to files.
     */
    public static MemorySegment toSegment(Tensor t, ScalarType type) {
        try (Tensor c = t.to(type).contiguous()) {
            long n = c.nbytes();
            MemorySegment src = MemorySegment.ofAddress(c.data_ptr().address()).reinterpret(n);
            MemorySegment out = MemorySegment.ofArray(new byte[Math.toIntExact(n)]);
            out.copyFrom(src);
            return out;
        }
    }

    /** The shape of {@code t} as a Java array. */
    public static long[] shape(Tensor t) {
        return t.sizes().vec().get();
    }

    private static void checkCount(long n, long[] shape) {
        long prod = 1;
        for (long d : shape) {
            prod *= d;
        }
        if (prod != n) {
            throw new IllegalArgumentException("shape " + java.util.Arrays.toString(shape) + " holds " + prod
                    + " values, found " + n);
        }
    }
}
