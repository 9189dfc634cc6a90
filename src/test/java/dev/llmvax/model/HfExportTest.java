package dev.llmvax.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.io.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sharded export: an index that names every tensor, shards under the limit, identical weights on reload. */
class HfExportTest {
    @TempDir
    Path tmp;

    @Test
    void shardsWithAnIndexAndReloadsIdentically() throws Exception {
        Path src = TinyHfFolder.write(tmp.resolve("src"), 21);
        Device cpu = new Device(DeviceType.CPU);
        Path out = tmp.resolve("sharded");
        Files.createDirectories(out);
        long limit = 20_000; // bytes: the 6.3 MB embedding gets a shard of its own, the small layers several more
        try (LoadedModel m = ModelLoader.load(src, Precision.F32, cpu)) {
            HfExport.write(m, out, DType.F32, Map.of(), limit);
        }
        JsonNode index = new ObjectMapper().readTree(out.resolve("model.safetensors.index.json").toFile());
        assertThat(out.resolve("model.safetensors")).doesNotExist();
        try (var files = Files.list(out)) {
            assertThat(files.filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors")))
                    .hasSizeGreaterThanOrEqualTo(3);
        }
        try (LoadedModel a = ModelLoader.load(src, Precision.F32, cpu);
             LoadedModel b = ModelLoader.load(out, Precision.F32, cpu)) {
            var wa = a.model().weights();
            var wb = b.model().weights();
            assertThat(index.get("weight_map").size()).isEqualTo(wa.size());
            assertThat(wb.keySet()).isEqualTo(wa.keySet());
            // Arrays.equals, not containsExactly: AssertJ's diff of two 1.5M-element arrays is quadratic
            wa.forEach((name, t) -> {
                float[] x = Tensors.toFloats(t);
                float[] y = Tensors.toFloats(wb.get(name));
                int first = java.util.Arrays.mismatch(x, y);
                assertThat(first).as("%s: first differing element %d (%s vs %s)", name, first,
                        first < 0 ? "" : x[first], first < 0 ? "" : y[first]).isEqualTo(-1);
            });
        }
    }
}
