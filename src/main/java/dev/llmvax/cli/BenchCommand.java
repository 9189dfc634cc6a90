package dev.llmvax.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmvax.bench.GenerateBench;
import dev.llmvax.bench.RandomLlama;
import dev.llmvax.bench.TorchReference;
import dev.llmvax.model.Precision;
import dev.llmvax.util.CpuFeatures;
import dev.llmvax.util.Progress;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llmvax bench ...}: speed against PyTorch eager, measured in the same run. */
@Command(name = "bench", description = "Benchmarks against the PyTorch eager reference, run in the same invocation.",
        subcommands = {BenchCommand.Generate.class})
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing benchmark: generate");
    }

    /** Prefill and decode tokens/s at several batch sizes and dtypes, beside tools/torch_reference_generate.py. */
    @Command(name = "generate", description = "Generation speed (prefill and decode tokens/s) of a SmolLM2-shaped "
            + "random model, beside PyTorch eager with a KV cache, and the projected standard evaluation time "
            + "(400 prompts x 128 new tokens at batch 32).")
    static final class Generate implements Callable<Integer> {
        @Option(names = "--batch", split = ",", defaultValue = "1,32", description = "Batch sizes (default: 1,32).")
        List<Integer> batches;

        @Option(names = "--dtype", split = ",", defaultValue = "bf16,fp32", description = "Dtypes (default: bf16,fp32).")
        List<String> dtypes;

        @Option(names = "--prompt-len", defaultValue = "64", description = "Prompt tokens (default: 64).")
        int promptLen;

        @Option(names = "--new-tokens", defaultValue = "128", description = "Decode steps (default: 128).")
        int newTokens;

        @Option(names = "--repeat", defaultValue = "3", description = "Rounds of both sides; each keeps its "
                + "best (default: ${DEFAULT-VALUE}).")
        int repeat;

        @Option(names = "--no-reference", description = "Skip the PyTorch reference (no ratios).")
        boolean noReference;

        @Option(names = "--venv", description = "Virtual environment for the reference's torch "
                + "(default: ~/.cache/llmvax/torchref, created on first use from the wheel on disk).")
        Path venv;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            if (repeat < 1 || promptLen < 1 || newTokens < 1 || batches.stream().anyMatch(b -> b < 1)) {
                throw new UserError("--repeat, --prompt-len, --new-tokens and --batch must be positive");
            }
            List<Precision> precisions = new ArrayList<>();
            for (String d : dtypes) {
                precisions.add(Precision.parse(d, false));
            }
            CpuFeatures cpu = CpuFeatures.current();
            out.printf("cpu: %s, %d cores, native bf16: %s; libtorch threads: %d%n", cpu.modelName(),
                    cpu.physicalCores(), cpu.hasNativeBf16() ? "yes" : "no", torch.get_num_threads());
            out.printf("shape: SmolLM2-135M (random weights), prompt %d tokens, %d decode steps%n%n", promptLen,
                    newTokens);
            out.flush();
            // Rounds alternate llmvax and the reference, and each keeps its best round: this VM's timings move
            // by +-20 % from minute to minute, and interleaving spreads that over both sides.
            Map<String, GenerateBench.Result> ours = new LinkedHashMap<>();
            Map<String, GenerateBench.Result> ref = new LinkedHashMap<>();
            for (int round = 1; round <= repeat; round++) {
                Progress.log("round " + round + " of " + repeat);
                for (GenerateBench.Result r : GenerateBench.runAll(RandomLlama.smolLm2Shape(), precisions, batches,
                        promptLen, newTokens, r -> Progress.log(String.format(Locale.ROOT,
                                "llmvax %s batch %d: prefill %.0f tok/s, decode %.1f tok/s", r.dtype(), r.batch(),
                                r.prefillTokensPerSecond(), r.decodeTokensPerSecond())))) {
                    ours.merge(key(r), r, GenerateBench.Result::best);
                }
                if (!noReference) {
                    for (JsonNode n : reference(precisions)) {
                        GenerateBench.Result r = GenerateBench.Result.fromReference(n);
                        ref.merge(key(r), r, GenerateBench.Result::best);
                    }
                }
            }
            out.printf("best of %d rounds%n", repeat);
            out.println("dtype batch | prefill tok/s: llmvax  torch  ratio | decode tok/s: llmvax  torch  ratio");
            for (GenerateBench.Result r : ours.values()) {
                GenerateBench.Result m = ref.get(key(r));
                out.printf(Locale.ROOT, "%-5s %5d | %20.0f %6s %6s | %19.1f %6s %6s%n", r.dtype(), r.batch(),
                        r.prefillTokensPerSecond(), m == null ? "-" : fmt(m.prefillTokensPerSecond(), 0),
                        m == null ? "-" : fmt(r.prefillTokensPerSecond() / m.prefillTokensPerSecond(), 2) + "x",
                        r.decodeTokensPerSecond(), m == null ? "-" : fmt(m.decodeTokensPerSecond(), 1),
                        m == null ? "-" : fmt(r.decodeTokensPerSecond() / m.decodeTokensPerSecond(), 2) + "x");
            }
            out.println();
            for (GenerateBench.Result r : ours.values()) {
                if (r.batch() == 32) {
                    GenerateBench.Result m = ref.get(key(r));
                    out.printf(Locale.ROOT, "projected evaluation (400 prompts x 128 new tokens, batch 32, %s): "
                            + "llmvax %.0f s%s (target <= 180 s)%n", r.dtype(), r.projectedEvalSeconds(),
                            m == null ? "" : String.format(Locale.ROOT, ", torch %.0f s", m.projectedEvalSeconds()));
                }
            }
            return 0;
        }

        private List<JsonNode> reference(List<Precision> precisions) {
            Path env = TorchReference.ensureVenv(venv != null ? venv : TorchReference.defaultVenvDir(), Progress::log);
            List<String> args = new ArrayList<>(List.of("--prompt-len", String.valueOf(promptLen), "--new-tokens",
                    String.valueOf(newTokens), "--batch"));
            batches.forEach(b -> args.add(String.valueOf(b)));
            args.add("--dtype");
            precisions.forEach(p -> args.add(p == Precision.BF16 ? "bf16" : "fp32"));
            Progress.log("running the PyTorch reference " + String.join(" ", args));
            return TorchReference.run(env, TorchReference.script("torch_reference_generate.py"), args,
                    Duration.ofMinutes(30));
        }

        private static String key(GenerateBench.Result r) {
            return r.dtype() + "/" + r.batch();
        }

        private static String fmt(double v, int decimals) {
            return String.format(Locale.ROOT, "%." + decimals + "f", v);
        }
    }
}
