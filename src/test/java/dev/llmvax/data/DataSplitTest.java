package dev.llmvax.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DataSplitTest {
    static final List<Integer> ITEMS = IntStream.range(0, 120).boxed().toList();

    @Test
    void subsetsAreDisjointAndOfTheAskedSizes() {
        List<List<Integer>> parts = DataSplit.disjointSubsets(ITEMS, new int[] {50, 30, 0, 40}, 7);
        assertThat(parts).extracting(List::size).containsExactly(50, 30, 0, 40);
        Set<Integer> seen = new HashSet<>();
        parts.forEach(p -> p.forEach(i -> assertThat(seen.add(i)).as("%d drawn twice", i).isTrue()));
        assertThat(seen).hasSize(120);
    }

    @Test
    void seededAndPrefixStable() {
        assertThat(DataSplit.sample(ITEMS, 20, 3)).isEqualTo(DataSplit.sample(ITEMS, 20, 3));
        assertThat(DataSplit.sample(ITEMS, 20, 3)).isNotEqualTo(DataSplit.sample(ITEMS, 20, 4));
        assertThat(DataSplit.sample(ITEMS, 30, 3)).startsWith(DataSplit.sample(ITEMS, 20, 3).toArray(Integer[]::new));
        List<List<Integer>> parts = DataSplit.disjointSubsets(ITEMS, new int[] {20, 10}, 3);
        assertThat(parts.getFirst()).isEqualTo(DataSplit.sample(ITEMS, 20, 3));
        // Random order, not the list's.
        assertThat(DataSplit.sample(ITEMS, 20, 3)).isNotEqualTo(ITEMS.subList(0, 20));
    }

    @Test
    void notEnoughRecords() {
        assertThatThrownBy(() -> DataSplit.disjointSubsets(ITEMS, new int[] {50, 100}, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("asked for 150 records (50 + 100) but the data has only 120; ask for fewer or add data");
        assertThatThrownBy(() -> DataSplit.sample(ITEMS, 121, 1))
                .hasMessage("asked for 121 records but the data has only 120; ask for fewer or add data");
        assertThatThrownBy(() -> DataSplit.disjointSubsets(ITEMS, new int[] {-1}, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(">= 0");
        assertThat(DataSplit.sample(ITEMS, 120, 1)).containsExactlyInAnyOrderElementsOf(ITEMS);
    }
}
