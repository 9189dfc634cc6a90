package dev.llmvax.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * Where one tensor lives in a model file.
 *
 * @param name       tensor name as stored in the file
 * @param dtype      element type
 * @param shape      dimensions in torch order (row-major, last dimension fastest); empty for a scalar
 * @param offset     absolute byte offset of the data within the file
 * @param byteLength bytes of data
 */
public record TensorInfo(String name, DType dtype, long[] shape, long offset, long byteLength) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
    }

    /** A copy of the shape (the record stays immutable). */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of values: the product of the shape (1 for a scalar). */
    public long elements() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && offset == t.offset && byteLength == t.byteLength;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), offset, byteLength);
    }

    @Override
    public String toString() {
        return "TensorInfo[" + name + ", " + dtype + ", " + Arrays.toString(shape)
                + ", offset=" + offset + ", byteLength=" + byteLength + "]";
    }
}
