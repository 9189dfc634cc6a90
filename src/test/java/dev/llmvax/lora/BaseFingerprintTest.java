package dev.llmvax.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.io.DType;
import dev.llmvax.model.HfExport;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.ModelLoader;
import dev.llmvax.model.Precision;
import dev.llmvax.model.TinyHfFolder;
import dev.llmvax.model.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One fingerprint per set of weights, whatever file or compute dtype they came through. */
class BaseFingerprintTest {
    static final Device CPU = new Device(DeviceType.CPU);

    @TempDir
    Path tmp;

    @Test
    void sameWeightsSameFingerprintAcrossDtypesAndFormats() throws Exception {
        Path src = TinyHfFolder.write(tmp.resolve("src"), 31);
        Path bf16Folder = Files.createDirectories(tmp.resolve("bf16"));
        try (LoadedModel f32 = ModelLoader.load(src, Precision.F32, CPU);
             LoadedModel bf16 = ModelLoader.load(src, Precision.BF16, CPU)) {
            BaseFingerprint fp = BaseFingerprint.of(f32);
            assertThat(fp.value()).matches("bf16-sha256:[0-9a-f]{64}");
            assertThat(BaseFingerprint.of(f32)).as("deterministic").isEqualTo(fp);
            assertThat(BaseFingerprint.of(bf16)).as("computed in bf16").isEqualTo(fp);
            HfExport.write(f32, bf16Folder, DType.BF16, Map.of());
            try (LoadedModel exported = ModelLoader.load(bf16Folder, Precision.F32, CPU)) {
                assertThat(BaseFingerprint.of(exported)).as("after a bf16 export").isEqualTo(fp);
            }
        }
    }

    @Test
    void differentWeightsDifferentFingerprint() {
        try (LlamaModel a = TinyModels.model(TinyModels.config(), 1, Precision.F32);
             LlamaModel b = TinyModels.model(TinyModels.config(), 2, Precision.F32)) {
            BaseFingerprint fa = BaseFingerprint.of(a);
            assertThat(BaseFingerprint.of(b)).isNotEqualTo(fa);
            // one element of one weight, changed by far more than a bf16 rounding
            Map<String, Tensor> w = a.weights();
            try (Scalar s = new Scalar(0.5)) {
                w.get("model.layers.1.self_attn.o_proj.weight").narrow(0, 3, 1).narrow(1, 5, 1).add_(s);
            }
            w.values().forEach(Tensor::close);
            assertThat(BaseFingerprint.of(a)).isNotEqualTo(fa);
        }
    }

    @Test
    void parsesOnlyItsOwnScheme() {
        String hex = "0123456789abcdef".repeat(4);
        assertThat(new BaseFingerprint("bf16-sha256:" + hex).shortHex(12)).isEqualTo("0123456789ab");
        assertThatThrownBy(() -> new BaseFingerprint("sha512:" + hex)).hasMessageContaining("newer llmvax");
        assertThatThrownBy(() -> new BaseFingerprint("bf16-sha256:XYZ")).hasMessageContaining("64 hex digits");
    }
}
