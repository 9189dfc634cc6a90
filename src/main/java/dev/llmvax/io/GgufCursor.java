package dev.llmvax.io;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Bounds-checked little-endian reads over a GGUF file; every failure is a ModelFormatException. */
final class GgufCursor {
    private final Path file;
    private final MemorySegment seg;
    private long pos;

    GgufCursor(Path file, MemorySegment seg) {
        this.file = file;
        this.seg = seg;
    }

    long pos() {
        return pos;
    }

    long remaining() {
        return seg.byteSize() - pos;
    }

    private void need(long n, String what) {
        if (n > remaining()) {
            throw fail("file ends at byte " + seg.byteSize() + " while reading " + what + " at offset " + pos
                    + " (needs " + n + " bytes, " + remaining() + " left); the file is truncated");
        }
    }

    ModelFormatException fail(String problem) {
        return new ModelFormatException(file, problem);
    }

    byte u8(String what) {
        need(1, what);
        return seg.get(Le.BYTE, pos++);
    }

    short u16(String what) {
        need(2, what);
        short v = seg.get(Le.SHORT, pos);
        pos += 2;
        return v;
    }

    int u32(String what) {
        need(4, what);
        int v = seg.get(Le.INT, pos);
        pos += 4;
        return v;
    }

    long u64(String what) {
        need(8, what);
        long v = seg.get(Le.LONG, pos);
        pos += 8;
        return v;
    }

    /** A u64 count that must be non-negative and, at {@code minBytes} each, fit in what is left. */
    long count(String what, long minBytes) {
        long n = u64(what);
        if (n < 0 || (minBytes > 0 && n > remaining() / minBytes)) {
            throw fail(what + " " + Long.toUnsignedString(n) + " at offset " + (pos - 8)
                    + " is impossible: the rest of the file (" + remaining() + " bytes) holds at most "
                    + remaining() / Math.max(1, minBytes) + "; the file is truncated or corrupt");
        }
        return n;
    }

    String string(String what) {
        long len = u64("length of " + what);
        if (len < 0 || len > remaining() || len > Integer.MAX_VALUE - 8) {
            throw fail("string length " + Long.toUnsignedString(len) + " of " + what + " at offset " + (pos - 8)
                    + " exceeds the " + remaining() + " bytes left in the file; the file is corrupt");
        }
        byte[] bytes = new byte[(int) len];
        MemorySegment.copy(seg, Le.BYTE, pos, bytes, 0, bytes.length);
        pos += len;
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
