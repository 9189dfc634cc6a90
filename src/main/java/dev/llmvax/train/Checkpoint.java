package dev.llmvax.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmvax.io.DType;
import dev.llmvax.io.SafetensorsFile;
import dev.llmvax.io.SafetensorsWriter;
import dev.llmvax.model.Tensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A resumable training state: float32 masters, AdamW moments, the step reached and the losses so far.
 *
 * <p>Each checkpoint is a folder {@code step-NNNNNN} written under a temporary name and renamed into place,
 * so a crash mid-write leaves the previous checkpoint intact; older ones are deleted after the rename.
 * {@code fingerprint} identifies the run (model, data, hyper-parameters): a checkpoint from another run is
 * refused rather than silently continued.
 */
public final class Checkpoint {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STATE = "state.safetensors";
    private static final String META = "state.json";

    private Checkpoint() {}

    /** What a restore recovered. */
    public record Restored(int step, List<Double> losses, Path from) {}

    public static void save(Path dir, String fingerprint, int step, List<Double> losses, Trainable trainable,
                            AdamW adam) {
        try {
            Files.createDirectories(dir);
            String name = "step-%06d".formatted(step);
            Path tmp = dir.resolve("." + name + ".tmp");
            deleteTree(tmp);
            Files.createDirectories(tmp);
            List<SafetensorsWriter.TensorEntry> entries = new ArrayList<>();
            List<String> names = trainable.names();
            for (int i = 0; i < names.size(); i++) {
                entries.add(entry("param." + names.get(i), trainable.masters().get(i)));
                entries.add(entry("adam_m." + names.get(i), adam.firstMoments().get(i)));
                entries.add(entry("adam_v." + names.get(i), adam.secondMoments().get(i)));
            }
            SafetensorsWriter.write(tmp.resolve(STATE), Map.of("format", "pt"), entries);
            ObjectNode meta = JSON.createObjectNode();
            meta.put("fingerprint", fingerprint);
            meta.put("step", step);
            meta.put("adam_steps", adam.steps());
            ArrayNode l = meta.putArray("losses");
            losses.forEach(l::add);
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve(META).toFile(), meta);
            Path target = dir.resolve(name);
            deleteTree(target);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            for (Path old : list(dir)) {
                if (!old.equals(target)) {
                    deleteTree(old);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint under " + dir + ": " + e.getMessage(), e);
        }
    }

    private static SafetensorsWriter.TensorEntry entry(String name, Tensor t) {
        return new SafetensorsWriter.TensorEntry(name, DType.F32, Tensors.shape(t), Tensors.toSegment(t, ScalarType.Float));
    }

    /** The newest complete checkpoint under {@code dir}, if any. */
    public static Optional<Path> latest(Path dir) {
        List<Path> all = list(dir);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /**
     * Copies a checkpoint's state into {@code trainable} and {@code adam}.
     *
     * @throws IllegalStateException if it belongs to another run or does not match the trainable tensors
     */
    public static Restored restore(Path checkpoint, String fingerprint, Trainable trainable, AdamW adam) {
        try {
            ObjectNode meta = (ObjectNode) JSON.readTree(checkpoint.resolve(META).toFile());
            String found = meta.path("fingerprint").asText();
            if (!found.equals(fingerprint)) {
                throw new IllegalStateException("the checkpoint in " + checkpoint.getParent() + " comes from a run with "
                        + "other inputs or settings (fingerprint " + shortHash(found) + ", this run "
                        + shortHash(fingerprint) + "); rerun with the same arguments, or delete that folder to start over");
            }
            try (SafetensorsFile f = SafetensorsFile.open(checkpoint.resolve(STATE));
                 NoGradGuard g = new NoGradGuard()) {
                List<String> names = trainable.names();
                for (int i = 0; i < names.size(); i++) {
                    load(f, "param." + names.get(i), trainable.masters().get(i));
                    load(f, "adam_m." + names.get(i), adam.firstMoments().get(i));
                    load(f, "adam_v." + names.get(i), adam.secondMoments().get(i));
                }
            }
            adam.restoreSteps(meta.path("adam_steps").asLong());
            trainable.sync();
            List<Double> losses = new ArrayList<>();
            meta.path("losses").forEach(n -> losses.add(n.asDouble()));
            return new Restored(meta.path("step").asInt(), losses, checkpoint);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + checkpoint + ": " + e.getMessage(), e);
        }
    }

    private static void load(SafetensorsFile f, String name, Tensor into) {
        if (!f.tensors().containsKey(name)) {
            throw new IllegalStateException("checkpoint " + f.path() + " lacks " + name);
        }
        try (Tensor t = Tensors.fromSegment(f.data(name), ScalarType.Float, f.tensors().get(name).shape())) {
            if (!java.util.Arrays.equals(Tensors.shape(t), Tensors.shape(into))) {
                throw new IllegalStateException("checkpoint tensor " + name + " has another shape than the model's");
            }
            into.copy_(t);
        }
    }

    private static String shortHash(String h) {
        return h.length() > 12 ? h.substring(0, 12) : h;
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d{6}"))
                    .filter(p -> Files.isRegularFile(p.resolve(META)))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
