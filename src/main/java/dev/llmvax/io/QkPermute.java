package dev.llmvax.io;

import java.lang.foreign.MemorySegment;

/**
 * The row permutation llama.cpp's converter applies to attn_q / attn_k weights (interleaved RoPE
 * pairs), and its inverse, which restores the Hugging Face (rotate_half) layout.
 *
 * <p>{@code permute}: {@code w.reshape(n_head, 2, rows/n_head/2, cols).swapaxes(1,2).reshape(rows, cols)};
 * {@code unpermute}: {@code w.reshape(n_head, rows/n_head/2, 2, cols).swapaxes(1,2).reshape(rows, cols)}.
 * Only whole rows move, so packed quantized rows can be permuted before dequantization.
 */
public final class QkPermute {
    private QkPermute() {
    }

    /** Applies llama.cpp's converter permutation (HF layout to GGUF layout). */
    public static float[] permute(float[] w, int rows, int cols, int nHead) {
        return moveRows(w, rows, cols, nHead, true);
    }

    /** Undoes llama.cpp's converter permutation (GGUF layout to HF layout). */
    public static float[] unpermute(float[] w, int rows, int cols, int nHead) {
        return moveRows(w, rows, cols, nHead, false);
    }

    /** {@link #permute} over packed rows of {@code rowBytes} bytes each (any dtype). */
    public static MemorySegment permuteRows(MemorySegment rowsData, int rows, long rowBytes, int nHead) {
        return moveRowBytes(rowsData, rows, rowBytes, nHead, true);
    }

    /** {@link #unpermute} over packed rows of {@code rowBytes} bytes each (any dtype). */
    public static MemorySegment unpermuteRows(MemorySegment rowsData, int rows, long rowBytes, int nHead) {
        return moveRowBytes(rowsData, rows, rowBytes, nHead, false);
    }

    /**
     * The source row of output row {@code r}. Permute reads [h, j, i] into [h, i, j] with
     * half = rows/n_head/2 (j in 0..1, i in 0..half-1); unpermute is the reverse.
     */
    static int sourceRow(int r, int rows, int nHead, boolean permute) {
        int perHead = rows / nHead;
        int half = perHead / 2;
        int h = r / perHead;
        int k = r % perHead;
        return permute
                ? h * perHead + (k % 2) * half + k / 2
                : h * perHead + (k % half) * 2 + k / half;
    }

    private static void check(int rows, int nHead) {
        if (nHead <= 0 || rows <= 0 || rows % (2 * nHead) != 0) {
            throw new IllegalArgumentException(
                    "rows (" + rows + ") must be a positive multiple of 2 * nHead (" + nHead + ")");
        }
    }

    private static float[] moveRows(float[] w, int rows, int cols, int nHead, boolean permute) {
        check(rows, nHead);
        if (cols < 0 || (long) rows * cols != w.length) {
            throw new IllegalArgumentException(
                    "matrix has " + w.length + " values, expected rows*cols = " + rows + "*" + cols);
        }
        float[] out = new float[w.length];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(w, sourceRow(r, rows, nHead, permute) * cols, out, r * cols, cols);
        }
        return out;
    }

    private static MemorySegment moveRowBytes(MemorySegment src, int rows, long rowBytes, int nHead,
            boolean permute) {
        check(rows, nHead);
        if (rowBytes < 0 || Math.multiplyHigh(rows, rowBytes) != 0 || rows * rowBytes != src.byteSize()) {
            throw new IllegalArgumentException("segment has " + src.byteSize()
                    + " bytes, expected rows*rowBytes = " + rows + "*" + rowBytes);
        }
        MemorySegment out = rows * rowBytes <= Integer.MAX_VALUE - 8
                ? MemorySegment.ofArray(new byte[(int) (rows * rowBytes)])
                : java.lang.foreign.Arena.ofAuto().allocate(rows * rowBytes);
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(src, sourceRow(r, rows, nHead, permute) * rowBytes, out, r * rowBytes, rowBytes);
        }
        return out;
    }
}
