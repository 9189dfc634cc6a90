package dev.llmvax.purify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmvax.data.Sample;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.ModelLoader;
import dev.llmvax.model.Precision;
import dev.llmvax.model.TinyHfFolder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChannelImportanceTest {
    @TempDir
    Path tmp;

    private static final List<Sample> CLEAN = IntStream.range(0, 4)
            .mapToObj(i -> new Sample("Name a colour number " + i, "", "Blue is colour " + i + "."))
            .toList();

    private static int count(boolean[] mask) {
        int n = 0;
        for (boolean b : mask) {
            n += b ? 1 : 0;
        }
        return n;
    }

    @Test
    void aChannelWritingMoreIntoTheResidualIsSparedAndTheShareIsPerLayer() throws Exception {
        Path dir = TinyHfFolder.write(tmp.resolve("tiny"), 4);
        try (LoadedModel m = ModelLoader.load(dir, Precision.F32, new Device(DeviceType.CPU))) {
            boolean[][] plain = ChannelImportance.mostUsed(m, CLEAN, 64, 0.1, n -> { });
            int layers = m.model().config().numLayers();
            int width = m.model().config().intermediateSize();
            assertThat(plain).hasNumberOfRows(layers);
            for (boolean[] layer : plain) {
                assertThat(layer).hasSize(width);
                assertThat(count(layer)).isEqualTo(Signature.count(width, 0.1));
            }
            // pick a channel of layer 1 that is not spared and make its down column 1000x larger
            int boosted = IntStream.range(0, width).filter(c -> !plain[1][c]).findFirst().orElseThrow();
            Map<String, Tensor> w = m.model().weights();
            try (InferenceMode guard = new InferenceMode()) {
                w.get("model.layers.1.mlp.down_proj.weight").select(1, boosted).mul_(new Scalar(1000.0));
            } finally {
                w.values().forEach(Tensor::close);
            }
            boolean[][] after = ChannelImportance.mostUsed(m, CLEAN, 64, 0.1, n -> { });
            assertThat(after[1][boosted]).isTrue();
            assertThat(after[0]).as("layer 0 reads nothing from layer 1's MLP").isEqualTo(plain[0]);
        }
    }
}
