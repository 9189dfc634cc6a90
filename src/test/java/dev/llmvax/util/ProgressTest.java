package dev.llmvax.util;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressTest {

    /** A clock the test moves by hand. */
    static final class FakeClock {
        long nanos = 1_000_000_000L;

        void advanceMillis(long ms) {
            nanos += ms * 1_000_000L;
        }
    }

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final FakeClock clock = new FakeClock();

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void lineShowsCountPercentRateElapsedEtaAndExtra() {
        Progress p = new Progress("train", 400, "steps", out, false, () -> clock.nanos);
        clock.advanceMillis(50_000);
        p.step(120, "loss 1.23");
        assertThat(printed()).isEqualTo("train  120/400 steps  30.0%  2.40 steps/s  elapsed 50.0s  ETA 1m57s  loss 1.23\n");
    }

    @Test
    void unknownTotalHasNoPercentOrEta() {
        Progress p = new Progress("read", 0, "MiB", out, false, () -> clock.nanos);
        clock.advanceMillis(2_000);
        p.step(300);
        p.close();
        assertThat(printed()).isEqualTo("read  300 MiB  150 MiB/s  done in 2.0s\n");
    }

    @Test
    void plainOutputIsThrottledToOneLineEveryTenSecondsPlusTheFinalLine() {
        try (Progress p = new Progress("gen", 1000, "tokens", out, false, () -> clock.nanos)) {
            for (int i = 0; i < 1000; i++) {
                clock.advanceMillis(25); // 25 s in all
                p.step(1, null);
            }
        }
        String[] lines = printed().split("\n");
        assertThat(lines).hasSize(3); // at 10 s, at 20 s, and the final line
        assertThat(lines[0]).startsWith("gen  400/1000 tokens  40.0%  40.0 tokens/s  elapsed 10.0s  ETA 15.0s");
        assertThat(lines[1]).startsWith("gen  800/1000 tokens");
        assertThat(lines[2]).isEqualTo("gen  1000/1000 tokens  100.0%  40.0 tokens/s  done in 25.0s");
        assertThat(printed()).doesNotContain("\r");
    }

    @Test
    void terminalOutputRedrawsInPlaceAtMostFourTimesASecond() {
        Progress p = new Progress("gen", 100, "tokens", out, true, () -> clock.nanos);
        for (int i = 0; i < 100; i++) {
            clock.advanceMillis(10); // 1 s in all
            p.step(1, i < 50 ? "loss 10.00" : "loss 2.0");
        }
        p.close();
        p.close(); // idempotent
        String s = printed();
        assertThat(s.chars().filter(c -> c == '\r').count()).isEqualTo(5); // 4 redraws + the final line
        assertThat(s).endsWith("\rgen  100/100 tokens  100.0%  100 tokens/s  done in 1.0s  loss 2.0" + " ".repeat(10) + "\n")
                .containsOnlyOnce("\n");
    }

    @Test
    void durationsAndRatesReadWell() {
        assertThat(Progress.formatDuration(8.14)).isEqualTo("8.1s");
        assertThat(Progress.formatDuration(245)).isEqualTo("4m05s");
        assertThat(Progress.formatDuration(7380)).isEqualTo("2h03m");
        assertThat(Progress.formatDuration(Double.POSITIVE_INFINITY)).isEqualTo("?");
        assertThat(Progress.formatRate(0.5)).isEqualTo("0.500");
        assertThat(Progress.formatRate(1234.4)).isEqualTo("1234");
    }
}
