package dev.llmvax.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmvax.lora.AdaptedModel;
import dev.llmvax.lora.BaseFingerprint;
import dev.llmvax.lora.LoraConfig;
import dev.llmvax.lora.PeftAdapter;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LoadedModel;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code llmvax info MODEL}: what a model is, what came with it, and its files' hashes. */
@Command(name = "info", description = "Show a model's architecture, size, dtypes, tokenizer, chat template and "
        + "file hashes, and those of a LoRA adapter given with --adapter.")
final class InfoCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Mixin
    AdapterOption adapter;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (AdaptedModel am = options.load(adapter)) {
            LoadedModel m = am.loaded();
            LlamaConfig c = m.config();
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("model", m.source().toString());
            o.put("format", m.format());
            o.put("architecture", c.architecture());
            o.put("model_type", c.modelType());
            if (c.name() != null) {
                o.put("name", c.name());
            }
            o.put("parameters", c.parameterCount());
            o.put("layers", c.numLayers());
            o.put("hidden_size", c.hiddenSize());
            o.put("intermediate_size", c.intermediateSize());
            o.put("attention_heads", c.numHeads());
            o.put("kv_heads", c.numKvHeads());
            o.put("head_dim", c.headDim());
            o.put("vocab_size", c.vocabSize());
            o.put("context_length", c.maxPositionEmbeddings());
            o.put("rope_theta", c.ropeTheta());
            o.put("rope_scaling", c.ropeScaling() == null ? "none" : c.ropeScaling().type());
            o.put("rms_norm_eps", c.rmsNormEps());
            o.put("tied_embeddings", c.tieWordEmbeddings());
            ObjectNode dt = o.putObject("stored_dtypes");
            m.sourceDtypes().forEach(dt::put);
            o.put("compute_dtype", m.model().precision().hfName());
            o.put("tokenizer_vocab", m.tokenizer().vocabSize());
            o.put("bos_token", m.bosToken());
            o.put("eos_token", m.eosToken());
            m.stopTokenIds().forEach(o.putArray("stop_token_ids")::add);
            o.put("chat_template", m.chatTemplate().isPresent());
            am.adapter().ifPresent(a -> adapterJson(a, o.putObject("adapter")));
            ObjectNode hashes = o.putObject("sha256");
            am.fileSha256().forEach(hashes::put);
            if (json) {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(o));
                return 0;
            }
            out.printf("model          %s (%s)%n", m.source(), m.format().equals("gguf") ? "GGUF" : "Hugging Face folder");
            out.printf("architecture   %s (%s)%s%n", c.architecture(), c.modelType(),
                    c.name() == null ? "" : ", \"" + c.name() + "\"");
            out.printf(Locale.ROOT, "parameters     %,d (%.1f M)%n", c.parameterCount(), c.parameterCount() / 1e6);
            out.printf("layers         %d, hidden %d, MLP %d, heads %d (kv %d, head_dim %d), vocab %d, context %d%n",
                    c.numLayers(), c.hiddenSize(), c.intermediateSize(), c.numHeads(), c.numKvHeads(), c.headDim(),
                    c.vocabSize(), c.maxPositionEmbeddings());
            out.printf(Locale.ROOT, "rope           theta %s, scaling %s; rms_norm_eps %s; tied embeddings %s%n",
                    c.ropeTheta(), o.get("rope_scaling").asText(), c.rmsNormEps(), c.tieWordEmbeddings() ? "yes" : "no");
            out.printf("stored dtypes  %s%n", m.sourceDtypes());
            out.printf("compute dtype  %s%n", m.model().precision().hfName());
            out.printf("tokenizer      %d tokens; bos %s, eos %s; generation stops at ids %s%n",
                    m.tokenizer().vocabSize(), m.bosToken(), m.eosToken(), m.stopTokenIds());
            out.printf("chat template  %s%n", m.chatTemplate().map(t -> "yes (" + t.source().length() + " chars)")
                    .orElse("none (use generate without --chat)"));
            am.adapter().ifPresent(a -> printAdapter(a, out));
            hashes.properties().forEach(e -> out.printf("sha256         %s  %s%n", e.getValue().asText(), e.getKey()));
        }
        return 0;
    }

    private static void adapterJson(PeftAdapter a, ObjectNode o) {
        LoraConfig c = a.config();
        o.put("path", a.dir().toString());
        o.put("type", "LORA");
        o.put("r", c.r());
        o.put("lora_alpha", c.alpha());
        o.put("scale", c.scale());
        o.put("use_rslora", c.rslora());
        o.put("lora_dropout", c.dropout());
        c.targets().forEach(o.putArray("target_modules")::add);
        o.put("modules", a.weights().pairs().size());
        o.put("parameters", a.weights().parameterCount());
        ObjectNode dt = o.putObject("stored_dtypes");
        a.storedDtypes().forEach(dt::put);
        o.put("base_model_name_or_path", a.baseModel());
        o.put("base_fingerprint", a.baseFingerprint().map(BaseFingerprint::value).orElse(null));
        o.put("merged", true);
    }

    private static void printAdapter(PeftAdapter a, PrintWriter out) {
        LoraConfig c = a.config();
        out.printf("adapter        %s (PEFT LoRA, merged into the weights)%n", a.dir());
        out.printf(Locale.ROOT, "lora           r %d, alpha %s (scale %s%s), targets %s in %d modules, %,d parameters, "
                        + "stored %s%n", c.r(), number(c.alpha()), number(c.scale()), c.rslora() ? ", rsLoRA" : "",
                String.join(", ", c.targets()), a.weights().pairs().size(), a.weights().parameterCount(),
                a.storedDtypes());
        out.printf("adapter base   %s; %s%n", a.baseModel() == null ? "not named" : a.baseModel(),
                a.baseFingerprint().map(f -> "fingerprint " + f + " matches MODEL")
                        .orElse("no fingerprint recorded (PEFT records none), so the base was not checked"));
    }

    /** 8 rather than 8.0; other values as Java prints them. */
    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
