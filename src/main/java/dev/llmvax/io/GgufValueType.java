package dev.llmvax.io;

/** GGUF metadata value types (gguf_type), with their ids and the Java type the reader returns. */
public enum GgufValueType {
    UINT8(1), INT8(1), UINT16(2), INT16(2), UINT32(4), INT32(4), FLOAT32(4), BOOL(1), STRING(8),
    ARRAY(12), UINT64(8), INT64(8), FLOAT64(8);

    private final int minBytes;

    GgufValueType(int minBytes) {
        this.minBytes = minBytes;
    }

    /** The id stored in the file (0..12). */
    public int id() {
        return ordinal();
    }

    /** Type for an id, or null if the id is not 0..12. */
    static GgufValueType fromId(int id) {
        GgufValueType[] all = values();
        return id >= 0 && id < all.length ? all[id] : null;
    }

    /** The smallest encoding of one value (a string's length field, an array's type and count). */
    int minBytes() {
        return minBytes;
    }

    /** Whether the reader exposes values of this type as {@link Long}. */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** The lower-case name used by gguf tools, e.g. "uint32". */
    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
