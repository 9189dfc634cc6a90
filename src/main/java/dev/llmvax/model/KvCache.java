package dev.llmvax.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Per-layer key/value cache, preallocated for a whole generation so decode steps allocate nothing large.
 * Rows of a batch share positions (prompts are left-padded), so one write offset serves all rows.
 */
public final class KvCache implements AutoCloseable {
    private final Tensor[] keys;   // per layer (batch, kv_heads, capacity, head_dim)
    private final Tensor[] values; // per layer (batch, kv_heads, capacity, head_dim)
    private final int batch;
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

    @Override
    public void close() {
        for (int l = 0; l < keys.length; l++) {
            keys[l].close();
            values[l].close();
        }
    }
}
