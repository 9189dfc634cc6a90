package dev.llmvax.cli;

import dev.llmvax.io.DType;
import dev.llmvax.model.HfExport;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.ModelLoader;
import dev.llmvax.model.Precision;
import dev.llmvax.util.AtomicOutputDir;
import dev.llmvax.util.Hashing;
import dev.llmvax.util.Progress;
import dev.llmvax.util.Provenance;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code llmvax convert MODEL --out DIR}: write any supported model as a Hugging Face folder. */
@Command(name = "convert", description = "Write a model (GGUF or Hugging Face folder) as a complete Hugging Face "
        + "folder: config.json, safetensors, tokenizer, chat template, generation config.")
final class ConvertCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "A GGUF file or a Hugging Face folder.")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "New folder to write (must not exist or be empty).")
    Path out;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "f32|bf16",
            description = "Stored weight dtype (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Override
    public Integer call() throws Exception {
        Precision p = switch (dtype.toLowerCase(java.util.Locale.ROOT)) {
            case "f32", "fp32", "float32" -> Precision.F32;
            case "bf16", "bfloat16" -> Precision.BF16;
            default -> throw new UserError("--dtype must be f32 or bf16, found '" + dtype + "'");
        };
        CommandSupport.refuseOverlap(out, model);
        try (AtomicOutputDir dir = AtomicOutputDir.create(out, false)) {
            Progress.log("loading " + model);
            try (LoadedModel m = ModelLoader.load(model, p, new org.bytedeco.pytorch.Device(
                    org.bytedeco.pytorch.global.torch.DeviceType.CPU))) {
                Map<String, String> inputs = new LinkedHashMap<>();
                for (Path f : m.files()) {
                    inputs.put(f.toString(), Hashing.sha256(f));
                }
                List<String> command = new ArrayList<>(List.of("llmvax", "convert", model.toString(), "--out",
                        out.toString(), "--dtype", dtype));
                Provenance prov = Provenance.of(command, inputs);
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("llmvax_version", prov.version());
                meta.put("llmvax_source", model.getFileName().toString());
                Progress.log("writing " + out + " (" + p.hfName() + ")");
                HfExport.write(m, dir.tmp(), p == Precision.F32 ? DType.F32 : DType.BF16, meta);
                prov.writeJson(dir.tmp().resolve("run.json"));
            }
            dir.commit();
        }
        Progress.log("wrote " + out);
        return 0;
    }
}
