package dev.llmvax.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Per-layer key/value cache, preallocated for a whole generation so decode steps allocate nothing large.
 * Rows of a batch share positions (prompts are left-padded), so one write offset serves all rows.
 */
public final class KvCache implements AutoCloseable {
    private final Tensor[] keys;   // per layer (batch, kv_heads, capacity, head_dim)
    private final Tensor[] values; // per layer (batch, kv_heads, capacity, head_dim)
    private int batch;
    private final int capacity;

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
    }

    /**
     * Copies all of {@code part} into rows {@code [row, row + part.batch())} at slots
     * {@code [slot, slot + part.capacity())}, and zeroes those rows' slots before {@code slot}. A prompt prefilled
     * in a shorter part sits right-aligned, as it would padded to the whole batch; the slots before it are masked
     * as padding but must still hold finite numbers, since the attention multiplies their zero weights by them.
     */
    public void putRows(int row, int slot, KvCache part) {
        if (row < 0 || row + part.batch > batch || slot < 0 || slot + part.capacity > capacity
                || part.keys.length != keys.length) {
            throw new IllegalArgumentException("cannot put a " + part.batch + " x " + part.capacity + " cache at row "
                    + row + ", slot " + slot + " of a " + batch + " x " + capacity + " one");
        }
        for (int l = 0; l < keys.length; l++) {
            for (Tensor[] pair : new Tensor[][] {{keys[l], part.keys[l]}, {values[l], part.values[l]}}) {
                try (Tensor rows = pair[0].narrow(0, row, part.batch);
                     Tensor into = rows.narrow(2, slot, part.capacity)) {
                    into.copy_(pair[1]);
                    if (slot > 0) {
                        try (Tensor before = rows.narrow(2, 0, slot)) {
                            before.zero_();
                        }
                    }
                }
            }
        }
    }

    /** Stores this chunk's k/v at {@code [start, start+T)} and returns views over {@code [0, start+T)}. */
    Tensor[] append(int layer, int start, Tensor k, Tensor v) {
        long t = k.size(2);
        if (start + t > capacity) {
            throw new IllegalStateException("KV cache full: " + (start + t) + " > capacity " + capacity);
        }
        keys[layer].narrow(2, start, t).copy_(k);
        values[layer].narrow(2, start, t).copy_(v);
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
        for (int l = 0; l < keys.length; l++) {
            keys[l].close();
            values[l].close();
        }
    }
}
