package dev.llmvax.lora;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.io.DType;
import dev.llmvax.io.ModelFormatException;
import dev.llmvax.io.SafetensorsFile;
import dev.llmvax.io.SafetensorsWriter;
import dev.llmvax.io.TensorInfo;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.Tensors;
import dev.llmvax.util.AtomicOutputDir;
import dev.llmvax.util.BuildInfo;
import dev.llmvax.util.IOConsumer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A LoRA adapter in PEFT's folder layout, as {@code PeftModel.save_pretrained} writes it and
 * {@code PeftModel.from_pretrained} reads it:
 *
 * <ul>
 *   <li>{@code adapter_config.json}: PEFT's {@code LoraConfig} (see {@link PeftConfigJson});
 *   <li>{@code adapter_model.safetensors}: {@code base_model.model.<module>.lora_A.weight} (r, in) and
 *       {@code lora_B.weight} (out, r) per adapted module, metadata {@code {"format": "pt"}} plus llmvax's own
 *       keys ({@value #META_BASE_FINGERPRINT}, {@value #META_BASE_MODEL}, {@value #META_VERSION}), which PEFT
 *       ignores. llmvax's facts live there rather than in adapter_config.json so that older PEFT releases, which
 *       reject unknown config keys, still load the adapter.
 * </ul>
 *
 * <p>Ownership: the adapter owns its {@link #weights()}; {@link #close()} frees them.
 *
 * @param dir             the folder read (absolute)
 * @param weights         A and B in float32, whatever dtype was stored
 * @param baseModel       {@code base_model_name_or_path} of adapter_config.json, or null
 * @param baseFingerprint the base model's fingerprint when an llmvax writer recorded it (PEFT records none)
 * @param storedDtypes    tensor count per stored dtype, e.g. {F32=300}
 */
public record PeftAdapter(Path dir, LoraWeights weights, String baseModel, Optional<BaseFingerprint> baseFingerprint,
                          Map<String, Integer> storedDtypes) implements AutoCloseable {
    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** safetensors metadata key: the base model's {@link BaseFingerprint}. */
    public static final String META_BASE_FINGERPRINT = "llmvax_base_fingerprint";
    /** safetensors metadata key: what the base model was loaded from (a path or a hub id), for messages. */
    public static final String META_BASE_MODEL = "llmvax_base_model";
    /** safetensors metadata key: the llmvax version that wrote the adapter. */
    public static final String META_VERSION = "llmvax_version";

    /** Pickle files PEFT writes without safetensors. */
    private static final List<String> PICKLE_FILES = List.of("adapter_model.bin", "adapter_model.pt",
            "adapter_model.pth");
    private static final String PREFIX = "base_model.model.";
    private static final String SUFFIX_A = ".lora_A.weight";
    private static final String SUFFIX_B = ".lora_B.weight";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What an adapter records besides its tensors.
     *
     * @param baseModel       {@code base_model_name_or_path}: what the base model was loaded from
     * @param baseFingerprint the base model's fingerprint, or null to record none
     * @param extraMetadata   more safetensors {@code __metadata__} entries (provenance, say)
     */
    public record Meta(String baseModel, BaseFingerprint baseFingerprint, Map<String, String> extraMetadata) {
        public Meta {
            extraMetadata = Map.copyOf(extraMetadata);
        }

        /** The base's source path and fingerprint (which reads every weight once), nothing else. */
        public static Meta of(dev.llmvax.model.LoadedModel base) {
            return new Meta(base.source().toString(), BaseFingerprint.of(base), Map.of());
        }
    }

    /** The LoRA settings. */
    public LoraConfig config() {
        return weights.config();
    }

    /**
     * Reads and checks the adapter in {@code dir} for a model of config {@code model}: the config must describe
     * a plain LoRA on the model's linear modules, every targeted module must have both factors of the right
     * shape, and nothing else may be in the file. Does not check the base fingerprint (see
     * {@link #checkBase}).
     *
     * @throws ModelFormatException naming the file and the problem
     */
    public static PeftAdapter read(Path dir, LlamaConfig model) {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.exists(abs)) {
            throw new ModelFormatException(dir, "no such adapter folder");
        }
        if (!Files.isDirectory(abs)) {
            throw new ModelFormatException(dir, "not a folder; --adapter takes the PEFT adapter folder that holds "
                    + CONFIG_FILE + " and " + WEIGHTS_FILE);
        }
        Path configFile = abs.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(configFile)) {
            throw new ModelFormatException(configFile, "missing " + CONFIG_FILE + ": " + dir
                    + " is not a PEFT adapter folder");
        }
        PeftConfigJson.Parsed parsed = PeftConfigJson.parse(configFile, readJson(configFile), model);
        Path weightsFile = abs.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weightsFile)) {
            for (String p : PICKLE_FILES) {
                if (Files.isRegularFile(abs.resolve(p))) {
                    throw new ModelFormatException(abs.resolve(p), "pickle adapter weights are refused (loading them "
                            + "can run arbitrary code); save the adapter as " + WEIGHTS_FILE
                            + " (peft: save_pretrained(..., safe_serialization=True))");
                }
            }
            throw new ModelFormatException(weightsFile, "missing " + WEIGHTS_FILE);
        }
        try (SafetensorsFile sf = SafetensorsFile.open(weightsFile)) {
            Optional<BaseFingerprint> fp = Optional.empty();
            String recorded = sf.metadata().get(META_BASE_FINGERPRINT);
            if (recorded != null) {
                try {
                    fp = Optional.of(new BaseFingerprint(recorded));
                } catch (IllegalArgumentException e) {
                    throw new ModelFormatException(weightsFile, "metadata " + META_BASE_FINGERPRINT + ": "
                            + e.getMessage(), e);
                }
            }
            Map<String, LoraWeights.Pair> pairs = readPairs(sf, parsed, model);
            Map<String, Integer> dtypes = new TreeMap<>();
            sf.tensors().values().forEach(t -> dtypes.merge(t.dtype().name(), 1, Integer::sum));
            String base = parsed.baseModel() != null ? parsed.baseModel() : sf.metadata().get(META_BASE_MODEL);
            return new PeftAdapter(abs, new LoraWeights(parsed.config(), pairs), base, fp,
                    Collections.unmodifiableMap(dtypes));
        }
    }

    /**
     * Checks that this adapter was made for the base whose fingerprint is {@code actual}; an adapter without a
     * recorded fingerprint (one PEFT wrote) passes.
     *
     * @param baseName what the base was loaded from, for the message
     * @throws ModelFormatException naming both fingerprints
     */
    public void checkBase(BaseFingerprint actual, String baseName) {
        if (baseFingerprint.isPresent() && !baseFingerprint.get().equals(actual)) {
            Path file = dir.resolve(WEIGHTS_FILE);
            throw new ModelFormatException(file, "this adapter was trained on a different base model: it records "
                    + "base " + baseFingerprint.get() + (baseModel == null ? "" : " (" + baseModel + ")")
                    + ", but " + baseName + " has " + actual + "; pass the base model the adapter was trained on");
        }
    }

    private static Map<String, LoraWeights.Pair> readPairs(SafetensorsFile sf, PeftConfigJson.Parsed parsed,
                                                           LlamaConfig model) {
        Path file = sf.path();
        int r = parsed.config().r();
        Map<String, TensorInfo[]> found = new LinkedHashMap<>(); // module path -> {A, B}
        for (TensorInfo t : sf.tensors().values()) {
            String name = t.name();
            boolean isA = name.endsWith(SUFFIX_A);
            if (!name.startsWith(PREFIX) || !(isA || name.endsWith(SUFFIX_B))) {
                throw new ModelFormatException(file, "tensor " + name + " is not a LoRA factor (expected "
                        + PREFIX + "<module>" + SUFFIX_A + " or " + SUFFIX_B.substring(1) + ")" + hint(name));
            }
            String module = name.substring(PREFIX.length(), name.length() - SUFFIX_A.length());
            int[] layerModule = PeftConfigJson.parseModulePath(module);
            if (layerModule == null || layerModule[0] >= model.numLayers()) {
                throw new ModelFormatException(file, "tensor " + name + " names module " + module + ", which this "
                        + "model does not have (LoRA can adapt model.layers.N.self_attn.{q,k,v,o}_proj and "
                        + "model.layers.N.mlp.{gate,up,down}_proj for N in 0.." + (model.numLayers() - 1) + ")");
            }
            if (!parsed.modules().contains(module)) {
                throw new ModelFormatException(file, "tensor " + name + " adapts " + module + ", which "
                        + CONFIG_FILE + " does not target (target_modules " + parsed.config().targets() + ")");
            }
            // shapes before completeness: an adapter for another architecture is told so
            int[] oi = LoraConfig.shapeOf(model, LoraConfig.MODULES.get(layerModule[1]));
            String why = " for r = " + r + " and " + module + " of shape (" + oi[0] + ", " + oi[1] + ")";
            if (isA) {
                checkShape(file, t, new long[] {r, oi[1]}, "lora_A is (r, in)" + why);
            } else {
                checkShape(file, t, new long[] {oi[0], r}, "lora_B is (out, r)" + why);
            }
            found.computeIfAbsent(module, k -> new TensorInfo[2])[isA ? 0 : 1] = t;
        }
        for (String module : parsed.modules()) {
            TensorInfo[] ab = found.get(module);
            if (ab == null || ab[0] == null || ab[1] == null) {
                throw new ModelFormatException(file, "no " + PREFIX + module
                        + (ab == null || ab[0] == null ? SUFFIX_A : SUFFIX_B) + ", but " + CONFIG_FILE
                        + " targets " + module + "; the file is incomplete");
            }
        }
        Map<String, LoraWeights.Pair> pairs = new LinkedHashMap<>();
        try {
            for (String module : parsed.modules()) {
                TensorInfo[] ab = found.get(module);
                Tensor a = toF32(sf, ab[0]);
                Tensor b;
                try {
                    b = toF32(sf, ab[1]);
                } catch (RuntimeException e) {
                    a.close();
                    throw e;
                }
                pairs.put(module, new LoraWeights.Pair(a, b));
            }
        } catch (RuntimeException e) {
            closeAll(pairs);
            throw e;
        }
        return pairs;
    }

    private static String hint(String name) {
        if (name.contains("lora_magnitude_vector")) {
            return "; it is a DoRA magnitude, and DoRA adapters are not supported";
        }
        if (name.contains("modules_to_save")) {
            return "; modules_to_save copies are not supported";
        }
        if (name.contains("lora_embedding_")) {
            return "; adapters on the embedding are not supported";
        }
        if (name.matches(".*\\.lora_[AB]\\.[^.]+\\.weight")) {
            return "; PEFT's saved files drop the adapter name, this one kept it";
        }
        return "";
    }

    private static void checkShape(Path file, TensorInfo t, long[] expected, String why) {
        if (!Arrays.equals(t.shape(), expected)) {
            throw new ModelFormatException(file, "tensor " + t.name() + " has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(expected) + " (" + why + ")");
        }
    }

    private static Tensor toF32(SafetensorsFile sf, TensorInfo t) {
        ScalarType type = switch (t.dtype()) {
            case F32 -> ScalarType.Float;
            case F16 -> ScalarType.Half;
            case BF16 -> ScalarType.BFloat16;
            default -> throw new ModelFormatException(sf.path(), "tensor " + t.name() + " has dtype " + t.dtype()
                    + "; LoRA factors must be F32, F16 or BF16");
        };
        Tensor stored = Tensors.fromSegment(sf.data(t.name()), type, t.shape());
        Tensor f32 = stored.to(ScalarType.Float); // fromSegment's copy is contiguous, and so is this
        stored.close();
        try (Tensor finite = torch.isfinite(f32).all()) {
            if (!finite.item_bool()) {
                f32.close();
                throw new ModelFormatException(sf.path(), "tensor " + t.name() + " holds NaN or infinite values");
            }
        }
        return f32;
    }

    private static void closeAll(Map<String, LoraWeights.Pair> pairs) {
        pairs.values().forEach(p -> {
            p.a().close();
            p.b().close();
        });
    }

    private static JsonNode readJson(Path file) {
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || n.isMissingNode()) {
                throw new ModelFormatException(file, "empty file, expected JSON");
            }
            return n;
        } catch (IOException e) {
            throw new ModelFormatException(file, "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""),
                    e);
        }
    }

    /**
     * Writes {@code weights} as a PEFT adapter into the existing folder {@code dir} (normally the temporary
     * folder of an {@link AtomicOutputDir} that also receives a model card and run.json): adapter_config.json
     * and adapter_model.safetensors (F32, tensors in name order).
     */
    public static void writeFiles(Path dir, LoraWeights weights, Meta meta) throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        if (meta.baseFingerprint() != null) {
            metadata.put(META_BASE_FINGERPRINT, meta.baseFingerprint().value());
        }
        if (meta.baseModel() != null) {
            metadata.put(META_BASE_MODEL, meta.baseModel());
        }
        metadata.put(META_VERSION, BuildInfo.version());
        metadata.putAll(meta.extraMetadata());
        Map<String, Tensor> byName = new TreeMap<>();
        weights.pairs().forEach((module, p) -> {
            byName.put(PREFIX + module + SUFFIX_A, p.a());
            byName.put(PREFIX + module + SUFFIX_B, p.b());
        });
        List<SafetensorsWriter.TensorEntry> entries = new ArrayList<>();
        Device cpu = new Device(DeviceType.CPU);
        byName.forEach((name, t) -> {
            try (Tensor host = t.to(cpu, ScalarType.Float)) { // factors trained on a GPU are copied here first
                entries.add(new SafetensorsWriter.TensorEntry(name, DType.F32, Tensors.shape(host),
                        Tensors.toSegment(host, ScalarType.Float)));
            }
        });
        SafetensorsWriter.write(dir.resolve(WEIGHTS_FILE), metadata, entries);
        DefaultPrettyPrinter pretty = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance()
                        .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
                .withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
        JSON.writer(pretty).writeValue(dir.resolve(CONFIG_FILE).toFile(),
                PeftConfigJson.write(weights.config(), meta.baseModel()));
    }

    /**
     * Writes the adapter as the new folder {@code out}, all at once or not at all (see {@link AtomicOutputDir}).
     *
     * @param overwrite  whether a non-empty {@code out} may be replaced (the user passed {@code --overwrite})
     * @param extraFiles more files for the folder (README.md, run.json): name to a writer of that path
     * @return the folder written
     */
    public static Path write(Path out, boolean overwrite, LoraWeights weights, Meta meta,
                             Map<String, IOConsumer<Path>> extraFiles) throws IOException {
        try (AtomicOutputDir dir = AtomicOutputDir.create(out, overwrite)) {
            writeFiles(dir.tmp(), weights, meta);
            for (Map.Entry<String, IOConsumer<Path>> e : extraFiles.entrySet()) {
                String name = e.getKey();
                if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")
                        || name.equals(CONFIG_FILE) || name.equals(WEIGHTS_FILE)) {
                    throw new IllegalArgumentException("extra adapter file name '" + name + "' is not a plain new "
                            + "file name");
                }
                e.getValue().accept(dir.tmp().resolve(name));
            }
            return dir.commit();
        }
    }

    @Override
    public void close() {
        weights.close();
    }
}
