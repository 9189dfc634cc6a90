package dev.llmvax.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmvax.io.DType;
import dev.llmvax.io.GgufFile;
import dev.llmvax.io.ModelFormatException;
import dev.llmvax.io.QkPermute;
import dev.llmvax.io.SafetensorsFile;
import dev.llmvax.io.TensorInfo;
import dev.llmvax.tokenizer.ChatTemplate;
import dev.llmvax.tokenizer.ChatTemplates;
import dev.llmvax.tokenizer.GgufTokenizerJson;
import dev.llmvax.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * One entry point for both kinds of input: a Hugging Face folder (config.json, safetensors, tokenizer.json)
 * or a single GGUF file. Pickle weights are refused: loading them can run code shipped with the model.
 */
public final class ModelLoader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PICKLE_SUFFIXES = List.of(".bin", ".pt", ".pth", ".ckpt", ".pkl");
    /** End-of-turn markers of common chat templates; whichever the vocabulary has also stops generation. */
    private static final List<String> END_OF_TURN = List.of("<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>");

    private ModelLoader() {
    }

    /** Loads {@code path} for compute in {@code precision} on {@code device}. */
    public static LoadedModel load(Path path, Precision precision, Device device) {
        if (!Files.exists(path)) {
            throw new ModelFormatException(path, "no such file or folder");
        }
        if (Files.isDirectory(path)) {
            return loadHfFolder(path, precision, device);
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (PICKLE_SUFFIXES.stream().anyMatch(name::endsWith)) {
            throw new ModelFormatException(path, "pickle weights are refused (loading them can run arbitrary code); "
                    + "convert the model to safetensors and pass its folder");
        }
        if (name.endsWith(".safetensors")) {
            throw new ModelFormatException(path, "a bare safetensors file has no config or tokenizer; pass the "
                    + "Hugging Face folder that holds it");
        }
        return loadGguf(path, precision, device);
    }

    static LoadedModel loadGguf(Path path, Precision precision, Device device) {
        try (GgufFile g = GgufFile.open(path)) {
            LlamaConfig cfg = GgufConfig.read(g);
            Map<String, String> hfToGguf = new HashMap<>();
            Map<String, Integer> dtypes = new TreeMap<>();
            for (TensorInfo t : g.tensors().values()) {
                String hf = GgufNames.toHf(t.name());
                if (hf == null) {
                    throw new ModelFormatException(path, "unexpected tensor " + t.name() + " for architecture "
                            + cfg.modelType());
                }
                hfToGguf.put(hf, t.name());
                dtypes.merge(t.dtype().name(), 1, Integer::sum);
            }
            // llama.cpp permutes Q/K rows of llama-arch models for its interleaved RoPE; undo it.
            boolean permuted = g.getString("general.architecture").equals("llama")
                    || g.getString("general.architecture").equals("mistral");
            LlamaModel model = LlamaModel.build(cfg, hf -> {
                String gn = hfToGguf.get(hf);
                if (gn == null) {
                    return null;
                }
                TensorInfo info = g.tensors().get(gn);
                float[] w = g.toFloats(gn);
                long[] shape = info.shape();
                if (permuted && info.shape().length == 2) {
                    if (hf.endsWith("self_attn.q_proj.weight")) {
                        w = QkPermute.unpermute(w, (int) shape[0], (int) shape[1], cfg.numHeads());
                    } else if (hf.endsWith("self_attn.k_proj.weight")) {
                        w = QkPermute.unpermute(w, (int) shape[0], (int) shape[1], cfg.numKvHeads());
                    }
                }
                return Tensors.fromFloats(w, shape);
            }, precision, device);
            Tokenizer tok;
            try {
                tok = Tokenizer.fromJson(GgufTokenizerJson.build(g.metadata()));
            } catch (IllegalArgumentException e) {
                model.close();
                throw new ModelFormatException(path, "tokenizer: " + e.getMessage(), e);
            }
            Optional<ChatTemplate> template = g.get("tokenizer.chat_template").map(t -> new ChatTemplate(t.toString()));
            String bos = cfg.bosTokenId() == null ? null : tok.token(cfg.bosTokenId());
            String eos = cfg.eosTokenIds().isEmpty() ? null : tok.token(cfg.eosTokenIds().getFirst());
            return new LoadedModel(model, tok, template, path, "gguf", dtypes, List.of(path), bos, eos,
                    stopTokens(cfg, tok, null), synthesisedGenerationConfig(cfg));
        }
    }

    static LoadedModel loadHfFolder(Path dir, Precision precision, Device device) {
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new ModelFormatException(configFile, "missing config.json: " + dir
                    + " is not a Hugging Face model folder");
        }
        LlamaConfig cfg;
        try {
            cfg = HfConfigJson.parse(readJson(configFile));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(configFile, e.getMessage(), e);
        }
        List<Path> files = new ArrayList<>(List.of(configFile));
        Map<String, Path> shardOf = weightFiles(dir, files);
        Map<Path, SafetensorsFile> open = new LinkedHashMap<>();
        try {
            Map<String, Integer> dtypes = new TreeMap<>();
            Map<String, SafetensorsFile> fileOf = new HashMap<>();
            for (Map.Entry<String, Path> e : shardOf.entrySet()) {
                SafetensorsFile sf = open.computeIfAbsent(e.getValue(), SafetensorsFile::open);
                if (e.getKey() != null) {
                    fileOf.put(e.getKey(), sf);
                }
            }
            for (SafetensorsFile sf : open.values()) {
                for (TensorInfo t : sf.tensors().values()) {
                    fileOf.putIfAbsent(t.name(), sf);
                    dtypes.merge(t.dtype().name(), 1, Integer::sum);
                }
            }
            LlamaModel model;
            try {
                model = LlamaModel.build(cfg, name -> {
                    SafetensorsFile sf = fileOf.get(name);
                    if (sf == null || !sf.tensors().containsKey(name)) {
                        return null;
                    }
                    TensorInfo info = sf.tensors().get(name);
                    return Tensors.fromSegment(sf.data(name), scalarType(info.dtype(), sf.path(), name), info.shape());
                }, precision, device);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(shardOf.values().iterator().next(), e.getMessage(), e);
            }
            Path tokFile = dir.resolve("tokenizer.json");
            if (!Files.isRegularFile(tokFile)) {
                model.close();
                throw new ModelFormatException(tokFile, "missing tokenizer.json (llmvax needs the fast-tokenizer file)");
            }
            files.add(tokFile);
            Tokenizer tok;
            try {
                tok = Tokenizer.fromJsonFile(tokFile);
            } catch (IllegalArgumentException e) {
                model.close();
                throw new ModelFormatException(tokFile, e.getMessage(), e);
            }
            if (tok.vocabSize() > cfg.vocabSize()) {
                model.close();
                tok.close();
                throw new ModelFormatException(tokFile, "the tokenizer has " + tok.vocabSize()
                        + " tokens but config.json's vocab_size is " + cfg.vocabSize()
                        + ": they do not belong to the same model");
            }
            Path tokConfigFile = dir.resolve("tokenizer_config.json");
            JsonNode tokConfig = Files.isRegularFile(tokConfigFile) ? readJson(tokConfigFile) : JSON.createObjectNode();
            Optional<ChatTemplate> template = ChatTemplates.fromFolder(dir).map(ChatTemplate::new);
            Path genFile = dir.resolve("generation_config.json");
            ObjectNode gen = Files.isRegularFile(genFile) ? (ObjectNode) readJson(genFile)
                    : synthesisedGenerationConfig(cfg);
            String bos = tokenText(tokConfig.get("bos_token"));
            String eos = tokenText(tokConfig.get("eos_token"));
            if (bos == null && cfg.bosTokenId() != null) {
                bos = tok.token(cfg.bosTokenId());
            }
            if (eos == null && !cfg.eosTokenIds().isEmpty()) {
                eos = tok.token(cfg.eosTokenIds().getFirst());
            }
            for (Path p : List.of(tokConfigFile, genFile, dir.resolve("chat_template.jinja"))) {
                if (Files.isRegularFile(p)) {
                    files.add(p);
                }
            }
            files.addAll(open.keySet());
            return new LoadedModel(model, tok, template, dir, "hf", dtypes, files, bos, eos,
                    stopTokens(cfg, tok, gen), gen);
        } finally {
            open.values().forEach(SafetensorsFile::close);
        }
    }

    /** Tensor name to shard file (one null key mapping to the single file when there is no index). */
    private static Map<String, Path> weightFiles(Path dir, List<Path> files) {
        Path index = dir.resolve("model.safetensors.index.json");
        Map<String, Path> out = new LinkedHashMap<>();
        if (Files.isRegularFile(index)) {
            files.add(index);
            JsonNode map = readJson(index).get("weight_map");
            if (map == null || !map.isObject() || map.isEmpty()) {
                throw new ModelFormatException(index, "no 'weight_map' object");
            }
            Path root = realPath(dir);
            map.properties().forEach(e -> {
                String shard = e.getValue().asText();
                Path p = dir.resolve(shard).normalize();
                if (!p.startsWith(dir.normalize()) || !realPath(p).startsWith(root)) {
                    throw new ModelFormatException(index, "shard '" + shard + "' of tensor " + e.getKey()
                            + " lies outside the model folder");
                }
                if (!Files.isRegularFile(p)) {
                    throw new ModelFormatException(index, "shard '" + shard + "' of tensor " + e.getKey()
                            + " does not exist");
                }
                out.put(e.getKey(), p);
            });
            return out;
        }
        Path single = dir.resolve("model.safetensors");
        if (Files.isRegularFile(single)) {
            out.put(null, single);
            return out;
        }
        try (var s = Files.list(dir)) {
            Optional<Path> pickle = s.filter(p -> PICKLE_SUFFIXES.stream()
                    .anyMatch(x -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(x))).findFirst();
            if (pickle.isPresent()) {
                throw new ModelFormatException(pickle.get(), "pickle weights are refused (loading them can run "
                        + "arbitrary code); convert the model to safetensors (model.safetensors)");
            }
        } catch (IOException e) {
            throw new ModelFormatException(dir, "cannot list folder: " + e.getMessage(), e);
        }
        throw new ModelFormatException(single, "missing model.safetensors (and no model.safetensors.index.json)");
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            throw new ModelFormatException(p, "cannot resolve path: " + e.getMessage(), e);
        }
    }

    static JsonNode readJson(Path file) {
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || n.isMissingNode()) {
                throw new ModelFormatException(file, "empty file, expected JSON");
            }
            return n;
        } catch (IOException e) {
            throw new ModelFormatException(file, "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    private static String tokenText(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        return n.isObject() ? n.path("content").asText(null) : n.asText();
    }

    static ScalarType scalarType(DType d, Path file, String name) {
        return switch (d) {
            case F32 -> ScalarType.Float;
            case F16 -> ScalarType.Half;
            case BF16 -> ScalarType.BFloat16;
            default -> throw new ModelFormatException(file, "tensor " + name + " has dtype " + d
                    + ", not a safetensors float type");
        };
    }

    private static Set<Integer> stopTokens(LlamaConfig cfg, Tokenizer tok, JsonNode gen) {
        Set<Integer> ids = new LinkedHashSet<>(cfg.eosTokenIds());
        if (gen != null && gen.has("eos_token_id")) {
            JsonNode e = gen.get("eos_token_id");
            if (e.isArray()) {
                e.forEach(x -> ids.add(x.asInt()));
            } else if (e.isInt()) {
                ids.add(e.asInt());
            }
        }
        for (String s : END_OF_TURN) {
            tok.tokenId(s).ifPresent(id -> {
                // <|endoftext|> ends a turn only where it is also the EOS; elsewhere it can be a document separator.
                if (!s.equals("<|endoftext|>") || ids.isEmpty()) {
                    ids.add(id);
                }
            });
        }
        return ids;
    }

    static ObjectNode synthesisedGenerationConfig(LlamaConfig cfg) {
        ObjectNode o = JSON.createObjectNode();
        o.put("_from_model_config", true);
        if (cfg.bosTokenId() != null) {
            o.put("bos_token_id", cfg.bosTokenId());
        }
        if (cfg.eosTokenIds().size() == 1) {
            o.put("eos_token_id", cfg.eosTokenIds().getFirst());
        } else if (!cfg.eosTokenIds().isEmpty()) {
            cfg.eosTokenIds().forEach(o.putArray("eos_token_id")::add);
        }
        o.put("output_attentions", false);
        o.put("output_hidden_states", false);
        if (cfg.padTokenId() != null) {
            o.put("pad_token_id", cfg.padTokenId());
        }
        o.put("use_cache", true);
        return o;
    }
}
