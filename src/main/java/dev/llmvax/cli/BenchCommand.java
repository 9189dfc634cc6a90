package dev.llmvax.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmvax.bench.GenerateBench;
import dev.llmvax.bench.RandomLlama;
import dev.llmvax.bench.TorchReference;
import dev.llmvax.bench.TrainBench;
import dev.llmvax.eval.EvalSpec;
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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llmvax bench ...}: speed against PyTorch eager, measured in the same run. */
@Command(name = "bench", description = "Benchmarks against the PyTorch eager reference, run in the same invocation.",
        subcommands = {BenchCommand.Generate.class, BenchCommand.Train.class})
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing benchmark: generate or train");
    }

    /** Prefill and decode tokens/s at several batch sizes and dtypes, beside tools/torch_reference_generate.py. */
    @Command(name = "generate", description = "Generation speed (prefill and decode tokens/s) of a SmolLM2-shaped "
            + "random model, beside PyTorch eager with a KV cache, and the projected standard evaluation time "
            + "(400 prompts x 128 new tokens) at each batch from 32 up; eval answers at batch "
            + EvalSpec.BATCH_SIZE + ".")
    static final class Generate implements Callable<Integer> {
        @Option(names = "--batch", split = ",", defaultValue = "1,32," + EvalSpec.BATCH_SIZE,
                description = "Batch sizes (default: ${DEFAULT-VALUE}).")
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

        @Mixin
        ReferenceOptions reference;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            if (repeat < 1 || promptLen < 1 || newTokens < 1 || batches.stream().anyMatch(b -> b < 1)) {
                throw new UserError("--repeat, --prompt-len, --new-tokens and --batch must be positive");
            }
            List<Precision> precisions = dtypes.stream().map(d -> Precision.parse(d, false)).toList();
            printMachine(out, precisions);
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
                if (!reference.noReference) {
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
                if (r.batch() >= 32) {
                    GenerateBench.Result m = ref.get(key(r));
                    out.printf(Locale.ROOT, "projected evaluation (400 prompts x 128 new tokens, batch %d%s, %s): "
                            + "llmvax %.0f s%s (target <= 180 s)%n", r.batch(),
                            r.batch() == EvalSpec.BATCH_SIZE ? ", as eval runs" : "", r.dtype(),
                            r.projectedEvalSeconds(),
                            m == null ? "" : String.format(Locale.ROOT, ", torch %.0f s", m.projectedEvalSeconds()));
                }
            }
            return 0;
        }

        private List<JsonNode> reference(List<Precision> precisions) {
            Path env = reference.venv();
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

    /** Training tokens/s, full and LoRA, beside tools/torch_reference_step.py. */
    @Command(name = "train", description = "Training speed (tokens/s of full and LoRA fine-tuning steps) of a "
            + "SmolLM2-shaped random model, beside PyTorch eager (torch_reference_step.py) run in the same invocation.")
    static final class Train implements Callable<Integer> {
        @Option(names = "--mode", split = ",", defaultValue = "full,lora", description = "full, lora (default: both).")
        List<String> modes;

        @Option(names = "--dtype", split = ",", defaultValue = "bf16", description = "Dtypes (default: bf16).")
        List<String> dtypes;

        @Option(names = "--batch", defaultValue = "8", description = "Rows per step (default: 8).")
        int batch;

        @Option(names = "--seq", defaultValue = "128", description = "Tokens per row (default: 128).")
        int seq;

        @Option(names = "--steps", defaultValue = "6", description = "Steps per measurement; the median of all "
                + "but the first counts (default: 6, as the reference).")
        int steps;

        @Option(names = "--repeat", defaultValue = "2", description = "Rounds of both sides; each keeps its "
                + "best (default: ${DEFAULT-VALUE}).")
        int repeat;

        @Mixin
        ReferenceOptions reference;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            if (repeat < 1 || batch < 1 || seq < 2 || steps < 2) {
                throw new UserError("--repeat and --batch must be positive, --seq and --steps at least 2");
            }
            for (String m : modes) {
                if (!m.equals("full") && !m.equals("lora")) {
                    throw new UserError("--mode takes full and/or lora, not '" + m + "'");
                }
            }
            List<Precision> precisions = dtypes.stream().map(d -> Precision.parse(d, false)).toList();
            printMachine(out, precisions);
            out.printf("shape: SmolLM2-135M (random weights), batch %d x %d tokens, AdamW, loss on every position; "
                    + "LoRA r 8 alpha 16 on all linear modules%n%n", batch, seq);
            out.flush();
            Map<String, TrainBench.Result> ours = new LinkedHashMap<>();
            Map<String, TrainBench.Result> ref = new LinkedHashMap<>();
            for (int round = 1; round <= repeat; round++) {
                for (Precision p : precisions) {
                    for (String mode : modes) {
                        Progress.log("round " + round + ": llmvax " + mode + " " + p);
                        TrainBench.Result r = TrainBench.run(RandomLlama.smolLm2Shape(), mode, p, batch, seq, steps,
                                s -> Progress.log(String.format(Locale.ROOT, "  step %d: loss %.3f, %.2f s",
                                        s.step(), s.loss(), s.seconds())));
                        Progress.log(String.format(Locale.ROOT, "llmvax %s %s: %.0f tokens/s", mode, r.dtype(),
                                r.tokensPerSecond()));
                        ours.merge(r.mode() + "/" + r.dtype(), r, TrainBench.Result::best);
                        if (!reference.noReference) {
                            TrainBench.Result m = referenceStep(mode, r.dtype());
                            Progress.log(String.format(Locale.ROOT, "torch %s %s: %.0f tokens/s", mode, m.dtype(),
                                    m.tokensPerSecond()));
                            ref.merge(m.mode() + "/" + m.dtype(), m, TrainBench.Result::best);
                        }
                    }
                }
            }
            out.printf("best of %d rounds (median step of %d, first excluded)%n", repeat, steps);
            out.println("mode dtype | tokens/s: llmvax   torch   ratio | step s: llmvax  torch");
            for (TrainBench.Result r : ours.values()) {
                TrainBench.Result m = ref.get(r.mode() + "/" + r.dtype());
                out.printf(Locale.ROOT, "%-4s %-5s | %16.0f %7s %7s | %14.2f %6s%n", r.mode(), r.dtype(),
                        r.tokensPerSecond(), m == null ? "-" : fmt(m.tokensPerSecond(), 0),
                        m == null ? "-" : fmt(r.tokensPerSecond() / m.tokensPerSecond(), 2) + "x",
                        r.stepSecondsMedian(), m == null ? "-" : fmt(m.stepSecondsMedian(), 2));
            }
            out.println("target: ratio >= 1.5 for full and LoRA in bf16");
            return 0;
        }

        private TrainBench.Result referenceStep(String mode, String dtype) {
            Path env = reference.venv();
            List<String> args = List.of("--mode", mode, "--dtype", dtype, "--batch", String.valueOf(batch), "--seq",
                    String.valueOf(seq), "--steps", String.valueOf(steps));
            List<JsonNode> lines = TorchReference.run(env, TorchReference.script("torch_reference_step.py"), args,
                    Duration.ofMinutes(30));
            return TrainBench.Result.fromReference(lines.get(lines.size() - 1));
        }

        private static String fmt(double v, int decimals) {
            return String.format(Locale.ROOT, "%." + decimals + "f", v);
        }
    }

    /** Where the PyTorch reference runs, shared by the benchmarks. */
    static final class ReferenceOptions {
        @Option(names = "--no-reference", description = "Skip the PyTorch reference (no ratios).")
        boolean noReference;

        @Option(names = "--venv", description = "Virtual environment for the reference's torch "
                + "(default: ~/.cache/llmvax/torchref, created on first use from the wheel on disk).")
        Path venv;

        /** The reference venv, created on first use. */
        Path venv() {
            return TorchReference.ensureVenv(venv != null ? venv : TorchReference.defaultVenvDir(), Progress::log);
        }
    }

    /** The CPU, and the slow-bf16 warning up front (without native bf16, one bf16 train round ran over 8 min). */
    static void printMachine(PrintWriter out, List<Precision> precisions) {
        CpuFeatures cpu = CpuFeatures.current();
        out.printf("cpu: %s, %d cores, native bf16: %s; libtorch threads: %d%n", cpu.modelName(),
                cpu.physicalCores(), cpu.hasNativeBf16() ? "yes" : "no", torch.get_num_threads());
        if (precisions.contains(Precision.BF16)) {
            ModelOptions.slowBf16Warning(Precision.BF16, "cpu", cpu).ifPresent(out::println);
        }
    }
}
