package dev.llmvax.cli;

import dev.llmvax.generate.GenerationOptions;
import dev.llmvax.generate.Generator;
import dev.llmvax.lora.AdaptedModel;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.tokenizer.ChatTemplate;
import dev.llmvax.tokenizer.Message;
import dev.llmvax.tokenizer.StreamingDecoder;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llmvax generate MODEL --prompt TEXT}: continue a prompt, streaming tokens as they come. */
@Command(name = "generate", description = "Continue a prompt (or answer it with --chat), streaming the tokens.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Mixin
    AdapterOption adapter;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The prompt.")
    String prompt;

    @Option(names = "--chat", description = "Wrap the prompt in the model's chat template as a user turn, "
            + "with a generation prompt.")
    boolean chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system message (with --chat).")
    String system;

    @Option(names = "--max-new-tokens", defaultValue = "256", paramLabel = "N",
            description = "At most this many new tokens (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T",
            description = "0 for greedy decoding (default), else sampling temperature.")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1.0", paramLabel = "P",
            description = "Nucleus sampling mass in (0, 1] (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Sampling seed (default: 0).")
    long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (prompt.isEmpty()) {
            throw new UserError("--prompt is empty: give the text to continue");
        }
        if (system != null && !chat) {
            throw new UserError("--system needs --chat");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (AdaptedModel am = options.load(adapter)) {
            LoadedModel m = am.loaded();
            GenerationOptions gen = new GenerationOptions(maxNewTokens, temperature, topP, seed, m.stopTokenIds());
            int[] ids = chat ? m.tokenizer().encode(promptText(m)) : m.tokenizer().encodePrompt(prompt);
            StreamingDecoder decoder = new StreamingDecoder(m.tokenizer());
            long t0 = System.nanoTime();
            long[] firstToken = {0};
            List<int[]> result = new Generator(m.model()).generate(List.of(ids), gen, (row, id, stop) -> {
                if (firstToken[0] == 0) {
                    firstToken[0] = System.nanoTime();
                }
                if (!stop) {
                    out.print(decoder.push(id));
                    out.flush();
                }
            });
            out.print(decoder.flush());
            out.println();
            out.flush();
            long t1 = System.nanoTime();
            int n = result.getFirst().length;
            double prefill = (firstToken[0] - t0) / 1e9;
            double decode = (t1 - firstToken[0]) / 1e9;
            err.printf(Locale.ROOT, "[%d prompt tokens, %d new; prefill %.2f s (%.0f tok/s), decode %.1f tok/s, %s]%n",
                    ids.length, n, prefill, ids.length / Math.max(prefill, 1e-9),
                    n > 1 ? (n - 1) / Math.max(decode, 1e-9) : 0.0, m.model().precision().hfName());
        }
        return 0;
    }

    /** The prompt as one user turn in the model's chat template, with a generation prompt. */
    private String promptText(LoadedModel m) {
        ChatTemplate template = m.chatTemplate().orElseThrow(() -> new UserError(m.source()
                + " has no chat template; run without --chat"));
        List<Message> messages = new ArrayList<>();
        if (system != null) {
            messages.add(new Message("system", system));
        }
        messages.add(new Message("user", prompt));
        Map<String, Object> vars = new java.util.HashMap<>();
        if (m.bosToken() != null) {
            vars.put("bos_token", m.bosToken());
        }
        if (m.eosToken() != null) {
            vars.put("eos_token", m.eosToken());
        }
        return template.render(messages, true, vars);
    }
}
