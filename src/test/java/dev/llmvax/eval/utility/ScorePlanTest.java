package dev.llmvax.eval.utility;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmvax.eval.utility.ScorePlan.Group;
import dev.llmvax.eval.utility.ScorePlan.Read;
import dev.llmvax.eval.utility.ScorePlan.Request;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScorePlanTest {

    @Test
    void oneTokenChoicesShareOneColumn() {
        int[] ctx = {5, 6, 7};
        List<Group> groups = ScorePlan.groups(List.of(new Request(ctx, new int[] {10}), new Request(ctx, new int[] {11}),
                new Request(ctx, new int[] {12}), new Request(ctx, new int[] {13})), 100);
        assertThat(groups).hasSize(1);
        Group g = groups.get(0);
        assertThat(g.prefix()).containsExactly(5, 6);
        assertThat(g.row()).as("MMLU's ' A'..' D' run [ctx_last] once").containsExactly(7);
        assertThat(g.position()).containsExactly(2);
        assertThat(g.reads()).extracting(Read::offset).containsExactly(0, 0, 0, 0);
        assertThat(g.reads()).extracting(r -> r.targets()[0]).containsExactly(10, 11, 12, 13);
    }

    @Test
    void segmentsRestartTheirPositionsAfterThePrefix() {
        int[] ctx = {1, 2};
        List<Group> groups = ScorePlan.groups(List.of(new Request(ctx, new int[] {3, 4, 5}),
                new Request(ctx, new int[] {3, 4}), new Request(ctx, new int[] {8, 9}),
                new Request(new int[] {7}, new int[] {3})), 100);
        assertThat(groups).hasSize(2);
        Group g = groups.get(0);
        // [2, 3, 4] serves both "3 4 5" and its prefix "3 4"; [2, 8] serves "8 9"
        assertThat(g.row()).containsExactly(2, 3, 4, 2, 8);
        assertThat(g.segment()).containsExactly(0, 0, 0, 1, 1);
        assertThat(g.position()).containsExactly(1, 2, 3, 1, 2);
        assertThat(g.reads()).extracting(Read::request).containsExactly(0, 1, 2);
        assertThat(g.reads()).extracting(Read::offset).containsExactly(0, 0, 3);
        assertThat(groups.get(1).prefix()).as("a one-token context has no prefix").isEmpty();
        assertThat(groups.get(1).row()).containsExactly(7);
    }

    @Test
    void leftTruncationKeepsTheEnd() {
        List<Group> groups = ScorePlan.groups(List.of(new Request(new int[] {1, 2, 3, 4, 5}, new int[] {6, 7})), 4);
        assertThat(groups.get(0).prefix()).containsExactly(4);
        assertThat(groups.get(0).row()).containsExactly(5, 6);
    }

    @Test
    void batchesRespectTheLimitsWidestFirst() {
        List<Request> reqs = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            reqs.add(new Request(new int[] {i, i, i}, new int[8 * i + 1])); // prefixes of 2, rows of 8i + 1
        }
        List<Group> groups = ScorePlan.groups(reqs, 1000);
        List<int[]> batches = ScorePlan.batches(groups, new ScoreOptions(3, 180, 16, 0));
        assertThat(batches.get(0)).containsExactly(9, 8); // 2 x (2 + 73) fits 180, a third row would not
        assertThat(batches.stream().mapToInt(b -> b.length).sum()).isEqualTo(10);
        for (int[] b : batches) {
            int width = java.util.Arrays.stream(b).map(i -> groups.get(i).row().length + 2).max().orElseThrow();
            assertThat(b.length).isLessThanOrEqualTo(3);
            assertThat(b.length * width).isLessThanOrEqualTo(180);
        }
    }
}
