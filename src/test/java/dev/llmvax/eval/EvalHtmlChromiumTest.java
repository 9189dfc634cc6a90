package dev.llmvax.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llmvax.report.HtmlWriter;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens report.html in headless Chromium (Debian package {@code chromium}) and checks from a screenshot that the
 * inline SVG charts are drawn: bars in both series' colours, in a chart area that is not blank.
 */
class EvalHtmlChromiumTest {
    @TempDir
    Path tmp;

    // the first two series colours of SvgCharts' palette
    private static final int[] BAR_COLOURS = {0x0072B2, 0xE69F00};

    @Test
    void chartsRenderInABrowser() throws Exception {
        Optional<Path> chromium = chromium();
        assumeTrue(chromium.isPresent(), "no chromium binary on PATH (Debian: apt-get install -y chromium), so "
                + "report.html was not opened in a browser; the HTML itself is checked by EvalHtmlTest");
        Path html = tmp.resolve("report.html");
        Files.writeString(html, HtmlWriter.html(EvalHtml.report(EvalReports.sample(true), List.of())));
        Path png = tmp.resolve("shot.png");
        Process p = new ProcessBuilder(chromium.get().toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--hide-scrollbars", "--user-data-dir=" + tmp.resolve("profile"), "--screenshot=" + png,
                "--window-size=1200,1600", html.toUri().toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("chromium.log").toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium took over 90 s; log: " + Files.readString(tmp.resolve("chromium.log")));
        }
        assertThat(png).as("screenshot; chromium log: %s", Files.readString(tmp.resolve("chromium.log"))).exists();
        BufferedImage img = ImageIO.read(png.toFile());
        int minX = Integer.MAX_VALUE, minY = Integer.MAX_VALUE, maxX = -1, maxY = -1;
        for (int colour : BAR_COLOURS) {
            int n = 0;
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    if (near(img.getRGB(x, y), colour)) {
                        n++;
                        minX = Math.min(minX, x);
                        minY = Math.min(minY, y);
                        maxX = Math.max(maxX, x);
                        maxY = Math.max(maxY, y);
                    }
                }
            }
            assertThat(n).as("pixels of bar colour %06x", colour).isGreaterThan(300);
        }
        // the region the bars span (both charts) is a drawn chart, not a blank box
        long nonWhite = 0;
        for (int y = minY; y <= maxY; y++) {
            for (int x = minX; x <= maxX; x++) {
                if ((img.getRGB(x, y) & 0xFFFFFF) != 0xFFFFFF) {
                    nonWhite++;
                }
            }
        }
        long area = (long) (maxX - minX + 1) * (maxY - minY + 1);
        assertThat(maxX - minX).as("bars spread across the charts").isGreaterThan(300);
        assertThat((double) nonWhite / area).as("non-white share of the chart area").isGreaterThan(0.05);
    }

    private static boolean near(int rgb, int colour) {
        for (int shift = 0; shift <= 16; shift += 8) {
            if (Math.abs(((rgb >> shift) & 0xFF) - ((colour >> shift) & 0xFF)) > 24) {
                return false;
            }
        }
        return true;
    }

    /** The first of Debian's and other distributions' Chromium binaries on PATH. */
    static Optional<Path> chromium() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String name : List.of("chromium", "chromium-browser", "google-chrome", "chrome-headless-shell")) {
            for (String dir : path.split(File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }
}
