package dev.llmvax.model;

import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Per-layer key/value cache, preallocated for a whole generation so decode steps allocate nothing large.
 * Usually the rows share one write offset (prompts are left-padded to a common end); rows refilled with new
 * prompts mid-generation end at different slots and write at their own ({@link #spans}).
 */
public final class KvCache implements AutoCloseable {
    private final Tensor[] keys;   // per layer (batch, kv_heads, capacity, head_dim)
    private final Tensor[] values; // per layer (batch, kv_heads, capacity, head_dim)
    private int batch;
    private final int capacity;
    private Tensor slotIndex; // (batch, kv_heads, 1, head_dim) int64 per-row write slots, or null (spans)
    private int[] spanFrom;   // per row, or null (spans)
    private int[] spanTo;

    public KvCache(LlamaConfig cfg, int batch, int capacity, TensorOptions options) {
        this.batch = batch;
        this.capacity = capacity;
        this.keys = new Tensor[cfg.numLayers()];
        this.values = new Tensor[cfg.numLayers()];
        long[] shape = {batch, cfg.numKvHeads(), capacity, cfg.headDim()};
        for (int l = 0; l < cfg.numLayers(); l++) {
            // empty(): only positions already written are ever read.
            keys[l] = torch.empty(shape, options, null);
            values[l] = torch.empty(shape, options, null);
        }
    }

    public int batch() {
        return batch;
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Keeps only the given rows, in the given order, so that a decode step stops paying for rows that finished.
     * Copies the cache once; afterwards row {@code i} is what row {@code rows[i]} was.
     */
    public void keepRows(long[] rows) {
        if (rows.length == 0 || rows.length > batch) {
            throw new IllegalArgumentException("cannot keep " + rows.length + " of " + batch + " rows");
        }
        try (Tensor cpu = Tensors.fromLongs(rows, rows.length);
             Tensor idx = cpu.to(keys[0].device(), ScalarType.Long)) {
            for (int l = 0; l < keys.length; l++) {
                Tensor k = keys[l].index_select(0, idx);
                Tensor v = values[l].index_select(0, idx);
                keys[l].close();
                values[l].close();
                keys[l] = k;
                values[l] = v;
            }
        }
        batch = rows.length;
        spans(null, null); // they were per row
    }

    /** Fills every slot with zeros, for a cache whose rows will read slots that nothing wrote (masked, but read). */
    public void zero() {
        for (int l = 0; l < keys.length; l++) {
            keys[l].zero_();
            values[l].zero_();
        }
    }

    /**
     * Copies all of {@code part} into the given rows at slots {@code [0, part.capacity())}: row {@code rows[i]}
     * becomes part row {@code i}. The rows' later slots keep what they held; they must be masked until written.
     */
    public void putRows(long[] rows, KvCache part) {
        if (rows.length != part.batch || part.capacity > capacity || part.keys.length != keys.length) {
            throw new IllegalArgumentException("cannot put a " + part.batch + " x " + part.capacity + " cache into "
                    + rows.length + " rows of a " + batch + " x " + capacity + " one");
        }
        for (long r : rows) {
            if (r < 0 || r >= batch) {
                throw new IllegalArgumentException("row " + r + " is outside a cache of " + batch + " rows");
            }
        }
        try (Tensor cpu = Tensors.fromLongs(rows, rows.length);
             Tensor idx = cpu.to(keys[0].device(), ScalarType.Long)) {
            for (int l = 0; l < keys.length; l++) {
                for (Tensor[] pair : new Tensor[][] {{keys[l], part.keys[l]}, {values[l], part.values[l]}}) {
                    try (Tensor into = pair[0].narrow(2, 0, part.capacity)) {
                        into.index_copy_(0, idx, pair[1]);
                    }
                }
            }
        }
    }

    /**
     * The rows' spans for the next single-token step: row r's history is {@code [lo[r], end[r])} and its new
     * token goes to slot {@code end[r]}. Rows refilled with new prompts mid-generation end at different slots and
     * then write at their own ({@link #append}); the decode attention reads only {@code [lo[r], end[r]]} of each
     * row ({@link #spanFrom}, {@link #spanTo}). Null clears them: every row writes at the append's {@code start}
     * and attention reads every slot up to it, masked.
     */
    public void spans(int[] lo, int[] end) {
        if (slotIndex != null) {
            slotIndex.close();
            slotIndex = null;
        }
        spanFrom = null;
        spanTo = null;
        if (lo == null && end == null) {
            return;
        }
        if (lo == null || end == null || lo.length != batch || end.length != batch) {
            throw new IllegalArgumentException("spans need a start and an end for each of " + batch + " rows");
        }
        boolean ragged = false;
        for (int r = 0; r < batch; r++) {
            if (lo[r] < 0 || lo[r] > end[r] || end[r] >= capacity) {
                throw new IllegalArgumentException("span [" + lo[r] + ", " + end[r] + "] of row " + r
                        + " is outside a cache of " + capacity);
            }
            ragged |= end[r] != end[0];
        }
        spanFrom = lo.clone();
        spanTo = Arrays.stream(end).map(e -> e + 1).toArray();
        if (ragged) {
            long[] shape = Tensors.shape(keys[0]);
            long[] slots = Arrays.stream(end).asLongStream().toArray();
            try (Tensor cpu = Tensors.fromLongs(slots, batch, 1, 1, 1);
                 Tensor expanded = cpu.expand(batch, shape[1], 1, shape[3])) {
                slotIndex = expanded.to(keys[0].device(), ScalarType.Long).contiguous();
            }
        }
    }

    /** Each row's first slot that attention reads in the next step, or null when {@link #spans} were not set. */
    int[] spanFrom() {
        return spanFrom;
    }

    /** Each row's slot after the last one attention reads in the next step (its new token's slot + 1), or null. */
    int[] spanTo() {
        return spanTo;
    }

    /**
     * Stores this chunk's k/v at {@code [start, start+T)} and returns views over {@code [0, start+T)}. With
     * {@link #spans} that end at different slots, a single token goes to each row's own slot instead,
     * {@code start} being the highest of them.
     */
    Tensor[] append(int layer, int start, Tensor k, Tensor v) {
        long t = k.size(2);
        if (start + t > capacity) {
            throw new IllegalStateException("KV cache full: " + (start + t) + " > capacity " + capacity);
        }
        if (slotIndex != null) {
            if (t != 1) {
                throw new IllegalStateException("per-row write slots take one token per row, found " + t);
            }
            keys[layer].scatter_(2, slotIndex, k);
            values[layer].scatter_(2, slotIndex, v);
        } else {
            keys[layer].narrow(2, start, t).copy_(k);
            values[layer].narrow(2, start, t).copy_(v);
        }
        return new Tensor[] {keys[layer].narrow(2, 0, start + t), values[layer].narrow(2, 0, start + t)};
    }

    /** Layer {@code layer}'s whole key tensor (batch, kv_heads, capacity, head_dim), for tests. */
    Tensor keys(int layer) {
        return keys[layer];
    }

    /** Layer {@code layer}'s whole value tensor, for tests. */
    Tensor values(int layer) {
        return values[layer];
    }

    @Override
    public void close() {
        spans(null, null);
        for (int l = 0; l < keys.length; l++) {
            keys[l].close();
            values[l].close();
        }
    }
}
