package dev.llmvax.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * The batches of each epoch, grouped by length so that little compute goes to padding, and fully
 * determined by (examples, options, epoch): a run resumed at step {@code k} replays the same batches
 * ({@code epoch = k / batchesPerEpoch()}, {@code batch = k % batchesPerEpoch()}).
 *
 * <p>Epoch {@code e}: shuffle all examples with a generator derived from (seed, e); sort each run of
 * {@code bucketBatches * batchSize} shuffled examples by length, longest first; cut the runs into
 * batches; shuffle the order of the batches with the same generator. Every example appears exactly once
 * per epoch. HF's {@code group_by_length} sampler works the same way, with megabatches of 50.
 *
 * <p>The last run, when it does not fill whole batches, is cut into {@code ceil(run / batchSize)} batches whose
 * sizes differ by at most one, not into full batches and a remainder. The remainder would hold the run's
 * shortest examples, and every batch is one optimiser step whose loss is a mean over its answer tokens: a
 * remainder of 3 one-word answers (8 tokens) pulled as hard as a full batch of 400 tokens, 50 times the weight
 * per token, once per epoch (seen as a repair step with loss 12.9 among steps of 2-4; docs/RESULTS.md).
 */
public final class BatchPlan {
    private final List<Example> examples;
    private final BatchOptions options;

    /** Batches over {@code examples}, which must not be empty. */
    public BatchPlan(List<Example> examples, BatchOptions options) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no examples to batch");
        }
        this.examples = List.copyOf(examples);
        this.options = options;
    }

    /** The examples the batches index into. */
    public List<Example> examples() {
        return examples;
    }

    /** The batching options. */
    public BatchOptions options() {
        return options;
    }

    /** Batches in every epoch: {@code ceil(examples / batchSize)}. */
    public int batchesPerEpoch() {
        return Math.ceilDiv(examples.size(), options.batchSize());
    }

    /** Optimiser steps of a run of {@code epochs} epochs, one batch a step. */
    public long steps(int epochs) {
        return (long) epochs * batchesPerEpoch();
    }

    /** Epoch {@code epoch}'s batches as indices into {@link #examples()}, in training order. */
    public List<int[]> order(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        Random random = Seeds.random(options.seed(), epoch);
        int[] perm = Seeds.permutation(examples.size(), random);
        int bucket = (int) Math.min(Integer.MAX_VALUE, (long) options.bucketBatches() * options.batchSize());
        // Longest first; ties keep the shuffled order (the sort is stable), so the result stays seeded.
        Comparator<Integer> longestFirst = Comparator.comparingInt(i -> -examples.get(i).length());
        List<int[]> batches = new ArrayList<>(batchesPerEpoch());
        for (int from = 0; from < perm.length; from += bucket) {
            Integer[] run = Arrays.stream(perm, from, Math.min(perm.length, from + bucket)).boxed().toArray(Integer[]::new);
            Arrays.sort(run, longestFirst);
            int count = Math.ceilDiv(run.length, options.batchSize());
            for (int b = 0, start = 0; b < count; b++) {
                int end = (int) ((long) run.length * (b + 1) / count); // sizes differ by at most one
                batches.add(Arrays.stream(run, start, end).mapToInt(Integer::intValue).toArray());
                start = end;
            }
        }
        int[] batchOrder = Seeds.permutation(batches.size(), random);
        List<int[]> out = new ArrayList<>(batches.size());
        for (int i : batchOrder) {
            out.add(batches.get(i));
        }
        return out;
    }

    /** The padded batch of the given example indices (one entry of {@link #order}). */
    public Batch batch(int[] indices) {
        List<Example> rows = new ArrayList<>(indices.length);
        for (int i : indices) {
            rows.add(examples.get(i));
        }
        return Batch.of(rows, indices, options.padId());
    }

    /** Batch {@code index} of epoch {@code epoch}; for resuming, as it recomputes the epoch's order. */
    public Batch batch(int epoch, int index) {
        List<int[]> order = order(epoch);
        if (index < 0 || index >= order.size()) {
            throw new IndexOutOfBoundsException("batch " + index + " of an epoch of " + order.size() + " batches");
        }
        return batch(order.get(index));
    }

    /** All batches of epoch {@code epoch}, in training order. */
    public List<Batch> epoch(int epoch) {
        return order(epoch).stream().map(this::batch).toList();
    }

    /** Share of the padded positions of epoch {@code epoch} that are padding, over all its batches. */
    public double paddingFraction(int epoch) {
        return paddingFraction(order(epoch));
    }

    /** Share of padding positions over the batches {@code order}. */
    public double paddingFraction(List<int[]> order) {
        long real = 0;
        long padded = 0;
        for (int[] batch : order) {
            int cols = 0;
            for (int i : batch) {
                int n = examples.get(i).length() - 1;
                real += n;
                cols = Math.max(cols, n);
            }
            padded += (long) cols * batch.length;
        }
        return padded == 0 ? 0 : 1.0 - (double) real / padded;
    }
}
