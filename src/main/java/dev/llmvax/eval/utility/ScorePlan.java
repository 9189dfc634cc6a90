package dev.llmvax.eval.utility;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Lays out log-likelihood requests so that shared work is done once (pure Java, no tensors).
 *
 * <p>Requests with the same context form a <em>group</em>. A group's context, less its last token, is the
 * <em>prefix</em>, run once into a KV cache. Each continuation {@code c} of length {@code k} then needs the
 * outputs at {@code [ctx_last, c_0 .. c_{k-2}]}, its <em>segment</em>: position {@code j} predicts {@code c_j}.
 * A group's segments sit side by side in one row of the second pass, each attending to the prefix and to
 * itself only, with rotary positions restarting after the prefix, so every choice computes what it would
 * alone. A segment that is a prefix of another (MMLU's " A" .. " D": all are just [ctx_last]) is read from
 * the longer one instead of being run again.
 */
final class ScorePlan {

    /** One (context, continuation) pair; both non-empty token ids. */
    record Request(int[] context, int[] continuation) {
        Request {
            if (context.length == 0) {
                throw new IllegalArgumentException("a request needs at least one context token");
            }
            if (continuation.length == 0) {
                throw new IllegalArgumentException("a request needs at least one continuation token");
            }
        }
    }

    /**
     * Where a request's predictions are read.
     *
     * @param request index of the request
     * @param offset  column of its first prediction within the group's row
     * @param targets the continuation tokens, predicted at columns {@code offset ..}
     */
    record Read(int request, int offset, int[] targets) {}

    /**
     * @param prefix   context less its last token (may be empty)
     * @param row      the second pass's tokens: the segments, concatenated
     * @param segment  (row.length) segment number of each column
     * @param position (row.length) rotary position of each column
     * @param reads    the requests read from this row
     */
    record Group(int[] prefix, int[] row, int[] segment, int[] position, List<Read> reads) {}

    private ScorePlan() {
    }

    /**
     * The groups of {@code requests}, with contexts cut from the left so that no request exceeds
     * {@code maxLength} tokens.
     *
     * @throws IllegalArgumentException when a continuation alone reaches {@code maxLength}
     */
    static List<Group> groups(List<Request> requests, int maxLength) {
        Map<Key, List<Integer>> byContext = new HashMap<>();
        List<Key> order = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            Request r = requests.get(i);
            if (r.continuation().length >= maxLength) {
                throw new IllegalArgumentException("a continuation of " + r.continuation().length
                        + " tokens leaves no room for context within the maximum length of " + maxLength);
            }
            // Left truncation keeps the last maxLength tokens of context + continuation, as lm-eval does.
            int keep = Math.min(r.context().length, maxLength - r.continuation().length);
            Key key = new Key(Arrays.copyOfRange(r.context(), r.context().length - keep, r.context().length));
            byContext.computeIfAbsent(key, k -> {
                order.add(k);
                return new ArrayList<>();
            }).add(i);
        }
        List<Group> groups = new ArrayList<>(order.size());
        for (Key key : order) {
            groups.add(group(key.ids, byContext.get(key), requests));
        }
        return groups;
    }

    private static Group group(int[] context, List<Integer> members, List<Request> requests) {
        int last = context[context.length - 1];
        int prefixLength = context.length - 1;
        // Segment inputs sorted lexicographically: one that is a prefix of another comes right before an
        // extension of it, so each is read from the next longer one it prefixes.
        List<Integer> sorted = new ArrayList<>(members);
        sorted.sort(Comparator.comparing(i -> segmentInput(last, requests.get(i).continuation()), Arrays::compare));
        int[] host = new int[sorted.size()]; // index into sorted of the segment each request is read from
        for (int s = sorted.size() - 1; s >= 0; s--) {
            int[] in = segmentInput(last, requests.get(sorted.get(s)).continuation());
            host[s] = s;
            if (s + 1 < sorted.size()) {
                int[] next = segmentInput(last, requests.get(sorted.get(s + 1)).continuation());
                if (isPrefix(in, next)) {
                    host[s] = host[s + 1];
                }
            }
        }
        List<Integer> rowTokens = new ArrayList<>();
        List<Integer> segs = new ArrayList<>();
        List<Integer> pos = new ArrayList<>();
        Map<Integer, Integer> start = new HashMap<>(); // host index in sorted -> column of its segment
        List<Read> reads = new ArrayList<>();
        for (int s = 0; s < sorted.size(); s++) {
            int h = host[s];
            if (!start.containsKey(h)) {
                int[] in = segmentInput(last, requests.get(sorted.get(h)).continuation());
                start.put(h, rowTokens.size());
                int segment = start.size() - 1;
                for (int j = 0; j < in.length; j++) {
                    rowTokens.add(in[j]);
                    segs.add(segment);
                    pos.add(prefixLength + j);
                }
            }
        }
        for (int s = 0; s < sorted.size(); s++) {
            int request = sorted.get(s);
            reads.add(new Read(request, start.get(host[s]), requests.get(request).continuation()));
        }
        reads.sort(Comparator.comparingInt(Read::request));
        return new Group(Arrays.copyOf(context, prefixLength), ints(rowTokens), ints(segs), ints(pos), reads);
    }

    /** [ctx_last, c_0 .. c_{k-2}]: the inputs whose outputs predict c. */
    static int[] segmentInput(int last, int[] continuation) {
        int[] in = new int[continuation.length];
        in[0] = last;
        System.arraycopy(continuation, 0, in, 1, continuation.length - 1);
        return in;
    }

    private static boolean isPrefix(int[] a, int[] b) {
        return a.length <= b.length && Arrays.equals(a, 0, a.length, b, 0, a.length);
    }

    /**
     * Batches of group indices within the option's limits (a group too big for a limit still gets a batch of
     * its own): at most {@code maxRows} groups and {@code maxTokens} cache positions, counting every row at
     * the batch's widest prefix plus its widest second-pass row. Groups are ordered by second-pass width
     * (padding there costs a float32 head row per column as well as a pass through the blocks) in buckets of
     * {@value #BUCKET} columns, and by prefix length within a bucket, so that batches pad little in either pass.
     */
    static List<int[]> batches(List<Group> groups, ScoreOptions options) {
        Integer[] order = new Integer[groups.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingInt(i -> groups.get(i).row().length / BUCKET)
                .thenComparingInt(i -> groups.get(i).prefix().length)
                .thenComparingInt(i -> groups.get(i).row().length).reversed());
        List<int[]> batches = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        int maxPrefix = 0;
        int maxRow = 0;
        for (int i : order) {
            Group g = groups.get(i);
            int p = Math.max(maxPrefix, g.prefix().length);
            int r = Math.max(maxRow, g.row().length);
            int b = current.size() + 1;
            if (!current.isEmpty() && (b > options.maxRows() || (long) b * (p + r) > options.maxTokens())) {
                batches.add(ints(current));
                current.clear();
                p = g.prefix().length;
                r = g.row().length;
            }
            current.add(i);
            maxPrefix = p;
            maxRow = r;
        }
        if (!current.isEmpty()) {
            batches.add(ints(current));
        }
        return batches;
    }

    /** Second-pass widths that sort as equal, so that prefix lengths can decide within them. */
    static final int BUCKET = 8;

    private static int[] ints(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Token ids as a map key. */
    private record Key(int[] ids) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(ids, k.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }
    }
}
