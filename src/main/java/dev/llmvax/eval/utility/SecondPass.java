package dev.llmvax.eval.utility;

import dev.llmvax.eval.utility.ScorePlan.Group;
import dev.llmvax.eval.utility.ScorePlan.Read;
import java.util.Arrays;
import java.util.List;

/**
 * The second pass of a batch (see {@link ScorePlan}): the groups' rows right-padded to {@code tc} columns,
 * behind prefixes right-padded to {@code lp} cache positions, run a slice of columns at a time so that each
 * forward's float32 logits stay small. Arrays are flat and row-major.
 */
final class SecondPass {
    private final List<Group> groups;
    private final int[] batch;
    private final int lp;
    private final int tc;
    final long[] ids;       // (B, Tc)
    final long[] positions; // (B, Tc) rotary positions
    final int[] readRow;    // per prediction read: its row in the batch,
    final int[] readColumn; // its column,
    final long[] target;    // the token it predicts,
    final int[] owner;      // and the request it belongs to

    SecondPass(List<Group> groups, int[] batch, int lp, int tc) {
        this.groups = groups;
        this.batch = batch;
        this.lp = lp;
        this.tc = tc;
        int b = batch.length;
        int reads = 0;
        for (int g : batch) {
            for (Read r : groups.get(g).reads()) {
                reads += r.targets().length;
            }
        }
        ids = new long[b * tc];
        positions = new long[b * tc];
        readRow = new int[reads];
        readColumn = new int[reads];
        target = new long[reads];
        owner = new int[reads];
        int k = 0;
        for (int r = 0; r < b; r++) {
            Group g = groups.get(batch[r]);
            for (int i = 0; i < tc; i++) {
                boolean real = i < g.row().length;
                ids[r * tc + i] = real ? g.row()[i] : 0;
                positions[r * tc + i] = real ? g.position()[i] : g.prefix().length;
            }
            for (Read read : g.reads()) {
                for (int j = 0; j < read.targets().length; j++) {
                    readRow[k] = r;
                    readColumn[k] = read.offset() + j;
                    target[k] = read.targets()[j];
                    owner[k++] = read.request();
                }
            }
        }
    }

    /** Columns {@code [c0, c1)} of a (B, Tc) array, as (B, c1 - c0). */
    long[] slice(long[] full, int c0, int c1) {
        int w = c1 - c0;
        long[] out = new long[batch.length * w];
        for (int r = 0; r < batch.length; r++) {
            System.arraycopy(full, r * tc + c0, out, r * w, w);
        }
        return out;
    }

    /**
     * (B, 1, c1 - c0, Lp + c1) for columns {@code [c0, c1)}, 1 where a column may attend: its group's prefix
     * (not the padding after it) and the earlier columns of its own segment, which earlier slices left in the
     * cache at {@code Lp + column}. A padding column sees itself only, so no query is left without keys.
     */
    byte[] mask(int c0, int c1) {
        int w = c1 - c0;
        int s = lp + c1;
        byte[] mask = new byte[batch.length * w * s];
        for (int r = 0; r < batch.length; r++) {
            Group g = groups.get(batch[r]);
            for (int i = c0; i < c1; i++) {
                int base = (r * w + (i - c0)) * s;
                if (i >= g.row().length) {
                    mask[base + lp + i] = 1;
                    continue;
                }
                Arrays.fill(mask, base, base + g.prefix().length, (byte) 1);
                for (int j = i; j >= 0 && g.segment()[j] == g.segment()[i]; j--) {
                    mask[base + lp + j] = 1;
                }
            }
        }
        return mask;
    }
}
