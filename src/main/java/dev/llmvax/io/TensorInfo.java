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
        return elementsOf(shape);
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

    /** The first pair, by offset, whose byte ranges overlap, or empty when none do. */
    static java.util.Optional<TensorInfo[]> firstOverlap(Iterable<TensorInfo> infos) {
        java.util.List<TensorInfo> sorted = new java.util.ArrayList<>();
        infos.forEach(sorted::add);
        sorted.sort(java.util.Comparator.comparingLong(TensorInfo::offset).thenComparingLong(TensorInfo::byteLength));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo prev = sorted.get(i - 1);
            TensorInfo cur = sorted.get(i);
            if (cur.offset() < prev.offset() + prev.byteLength()) {
                return java.util.Optional.of(new TensorInfo[] {prev, cur});
            }
        }
        return java.util.Optional.empty();
    }

    /** Number of values of a shape: the product of its dims (1 for a scalar). */
    static long elementsOf(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
