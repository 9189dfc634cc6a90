package dev.llmvax.cli;

import dev.llmvax.lora.AdaptedModel;
import dev.llmvax.lora.AdapterLoading;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.ModelLoader;
import dev.llmvax.model.Precision;
import dev.llmvax.util.CpuFeatures;
import java.nio.file.Path;
import java.util.Optional;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The model argument and the compute settings every model command shares. */
final class ModelOptions {
    @Parameters(index = "0", paramLabel = "MODEL",
            description = "A GGUF file or a Hugging Face folder (config.json, *.safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--dtype", defaultValue = "auto", paramLabel = "f32|bf16|auto",
            description = "Compute dtype (default: ${DEFAULT-VALUE}: bf16 where the CPU has native bf16 or on CUDA, "
                    + "else f32).")
    String dtype;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|cuda[:N]",
            description = "Where tensors live (default: ${DEFAULT-VALUE}). CUDA needs the -gpu natives of "
                    + "org.bytedeco:pytorch on the class path.")
    String device;

    @Option(names = "--threads", paramLabel = "N", description = "Intra-op threads (default: libtorch's choice).")
    Integer threads;

    Device device() {
        if (device.equals("cpu")) {
            return new Device(DeviceType.CPU);
        }
        if (device.startsWith("cuda")) {
            if (!torch.cuda_is_available()) {
                throw new UserError("--device " + device + ": no CUDA device is available to this build (the "
                        + "CPU natives are bundled; add the linux-x86_64-gpu natives of org.bytedeco:pytorch)");
            }
            return new Device(device);
        }
        throw new UserError("--device must be cpu or cuda[:N], found '" + device + "'");
    }

    Precision precision() {
        Precision p = Precision.parse(dtype, device.startsWith("cuda"));
        if (p == Precision.BF16) { // only then is /proc/cpuinfo worth reading
            slowBf16Warning(p, device, CpuFeatures.current()).ifPresent(ModelOptions::warnOnce);
        }
        return p;
    }

    /**
     * The warning for bf16 on a CPU without avx512_bf16 or AMX, where libtorch runs bf16 matmuls in a scalar
     * fallback, not in oneDNN: on a 2-core AVX2 EPYC a 1,024 x 576 x 3,072 matmul took 3.7 s in bf16 against
     * 29 ms in f32 (docs/PERFORMANCE.md). Empty where bf16 is fast or not asked for.
     */
    static Optional<String> slowBf16Warning(Precision p, String device, CpuFeatures cpu) {
        if (p != Precision.BF16 || device.startsWith("cuda") || cpu.hasNativeBf16()) {
            return Optional.empty();
        }
        return Optional.of("llmvax: warning: --dtype bf16 on a CPU without native bf16 (no avx512_bf16 "
                + "or amx_bf16): libtorch's bf16 matmuls run over 100x slower than f32 here; --dtype auto picks f32");
    }

    private static boolean warned;

    /** Commands may resolve the dtype more than once; the warning is said once per run. */
    private static synchronized void warnOnce(String warning) {
        if (!warned) {
            warned = true;
            System.err.println(warning);
        }
    }

    LoadedModel load() {
        applyThreads();
        return ModelLoader.load(model, precision(), device());
    }

    /** The model with the adapter of {@code adapter} merged, or alone when no {@code --adapter} was given. */
    AdaptedModel load(AdapterOption adapter) {
        applyThreads();
        return AdapterLoading.load(model, adapter.dir, precision(), device());
    }

    private void applyThreads() {
        if (threads != null) {
            if (threads < 1) {
                throw new UserError("--threads must be at least 1, found " + threads);
            }
            torch.set_num_threads(threads);
        }
    }
}
