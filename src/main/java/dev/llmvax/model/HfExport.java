package dev.llmvax.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmvax.io.DType;
import dev.llmvax.io.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.pytorch.Tensor;

/**
 * Writes a loaded model as a complete Hugging Face folder: config.json, model.safetensors (sharded with an
 * index past {@link #MAX_SHARD_BYTES}), tokenizer.json, tokenizer_config.json with the chat template, and
 * generation_config.json. The caller supplies an empty folder (write to a temporary one, then rename).
 */
public final class HfExport {
    /** Shard limit; files stay below 2 GiB so that every reader handles them. */
    public static final long MAX_SHARD_BYTES = 2L * 1024 * 1024 * 1024 - 64 * 1024 * 1024;
    /** The transformers version whose layout these files follow. */
    public static final String TRANSFORMERS_LAYOUT = "5.24.0";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HfExport() {
    }

    /** Writes {@code m} into {@code dir} with weights stored in {@code dtype} (F32 or BF16). */
    public static void write(LoadedModel m, Path dir, DType dtype, Map<String, String> provenance) throws IOException {
        write(m, dir, dtype, provenance, MAX_SHARD_BYTES);
    }

    /** As {@link #write(LoadedModel, Path, DType, Map)} with shards of at most {@code maxShardBytes}. */
    public static void write(LoadedModel m, Path dir, DType dtype, Map<String, String> provenance,
                             long maxShardBytes) throws IOException {
        if (dtype != DType.F32 && dtype != DType.BF16) {
            throw new IllegalArgumentException("weights can be written as f32 or bf16, not " + dtype);
        }
        writeWeights(m.model(), dir, dtype, provenance, maxShardBytes);
        String hfDtype = dtype == DType.F32 ? "float32" : "bfloat16";
        writeJson(dir.resolve("config.json"), HfConfigJson.write(m.config(), hfDtype, TRANSFORMERS_LAYOUT));
        writeJson(dir.resolve("generation_config.json"), m.generationConfig());
        Files.writeString(dir.resolve("tokenizer.json"), m.tokenizer().tokenizerJson());
        writeJson(dir.resolve("tokenizer_config.json"), tokenizerConfig(m));
    }

    static ObjectNode tokenizerConfig(LoadedModel m) {
        ObjectNode o = JSON.createObjectNode();
        putToken(o, "bos_token", m.bosToken());
        m.chatTemplate().ifPresent(t -> o.put("chat_template", t.source()));
        o.put("clean_up_tokenization_spaces", false);
        putToken(o, "eos_token", m.eosToken());
        o.put("model_max_length", m.config().maxPositionEmbeddings());
        Integer pad = m.config().padTokenId();
        putToken(o, "pad_token", pad == null ? null : m.tokenizer().token(pad));
        o.put("tokenizer_class", "PreTrainedTokenizerFast");
        Integer unk = m.config().unkTokenId();
        putToken(o, "unk_token", unk == null ? null : m.tokenizer().token(unk));
        return o;
    }

    private static void putToken(ObjectNode o, String key, String token) {
        if (token != null) {
            o.put(key, token);
        }
    }

    private static void writeWeights(LlamaModel model, Path dir, DType dtype, Map<String, String> provenance,
                                     long maxShardBytes) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt"); // older transformers refuse files without it
        meta.putAll(provenance);
        Map<String, Tensor> weights = new TreeMap<>(model.weights());
        try {
            long bytesPer = dtype == DType.F32 ? 4 : 2;
            List<List<String>> shards = new ArrayList<>();
            List<String> current = new ArrayList<>();
            long size = 0;
            long total = 0;
            for (Map.Entry<String, Tensor> e : weights.entrySet()) {
                long n = e.getValue().numel() * bytesPer;
                if (!current.isEmpty() && size + n > maxShardBytes) {
                    shards.add(current);
                    current = new ArrayList<>();
                    size = 0;
                }
                current.add(e.getKey());
                size += n;
                total += n;
            }
            shards.add(current);
            if (shards.size() == 1) {
                writeShard(dir.resolve("model.safetensors"), shards.getFirst(), weights, dtype, meta);
                return;
            }
            ObjectNode index = JSON.createObjectNode();
            index.putObject("metadata").put("total_size", total);
            ObjectNode map = index.putObject("weight_map");
            for (int i = 0; i < shards.size(); i++) {
                String file = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                writeShard(dir.resolve(file), shards.get(i), weights, dtype, meta);
                shards.get(i).forEach(name -> map.put(name, file));
            }
            writeJson(dir.resolve("model.safetensors.index.json"), index);
        } finally {
            weights.values().forEach(Tensor::close);
        }
    }

    private static void writeShard(Path file, List<String> names, Map<String, Tensor> weights, DType dtype,
                                   Map<String, String> meta) {
        List<SafetensorsWriter.TensorEntry> entries = new ArrayList<>();
        for (String name : names) {
            Tensor t = weights.get(name);
            entries.add(new SafetensorsWriter.TensorEntry(name, dtype, Tensors.shape(t),
                    Tensors.toSegment(t, ModelLoader.scalarType(dtype, file, name))));
        }
        SafetensorsWriter.write(file, meta, entries);
    }

    static void writeJson(Path file, Object node) {
        try {
            JSON.writeValue(file.toFile(), node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
