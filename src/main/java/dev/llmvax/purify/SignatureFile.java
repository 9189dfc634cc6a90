package dev.llmvax.purify;

import dev.llmvax.io.DType;
import dev.llmvax.io.ModelFormatException;
import dev.llmvax.io.SafetensorsFile;
import dev.llmvax.io.SafetensorsWriter;
import dev.llmvax.io.TensorInfo;
import dev.llmvax.util.BuildInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code signature.safetensors}: the {@link ChannelScores} of a run, so that τ, λ and the score rule can be
 * changed without training the variants again. Per scored matrix three or four float32 vectors, e.g. {@code
 * model.layers.3.mlp.gate_proj.channel_scores} (s_j with the stored λ and rule, for other tools), {@code
 * .channel_magnitude} and {@code .channel_alignment} (the two terms of Eq. 2) and, when computed, {@code
 * .channel_reference} (the clean twins' own update norms, which the relative rule divides by); the terms are
 * what is read back. Files from before the reference term still read, without it. Attention matrices use
 * {@code head_} in place of {@code channel_}. Metadata: {@value #META_LAMBDA}, {@value #META_SCORE} (the rule of
 * the {@code _scores} vectors; absent means eq2), {@value #META_VARIANTS}, {@value #META_CONFIG} (see {@link
 * PurifyConfig#scoresSha256()}), {@value #META_KIND} and the llmvax version.
 */
public final class SignatureFile {
    public static final String FILE_NAME = "signature.safetensors";
    public static final String META_KIND = "llmvax_kind";
    public static final String META_LAMBDA = "lambda";
    public static final String META_SCORE = "score";
    public static final String META_VARIANTS = "variants";
    public static final String META_CONFIG = "config_sha256";
    private static final String KIND = "purify-signature-scores";
    private static final Pattern NAME = Pattern.compile(
            "model\\.layers\\.(\\d+)\\.((?:mlp|self_attn)\\.\\w+)\\.(channel|head)_"
                    + "(scores|magnitude|alignment|reference)");

    private SignatureFile() {
    }

    /**
     * Scores as read back, with what they were computed from.
     *
     * @param configSha256 the scores-relevant config hash given to {@link #write}
     */
    public record Stored(ChannelScores scores, String configSha256) {}

    /** Writes (or replaces) {@code file}. */
    public static void write(Path file, ChannelScores scores, String configSha256) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(META_KIND, KIND);
        meta.put(META_LAMBDA, Double.toString(scores.lambda()));
        meta.put(META_SCORE, scores.rule().id());
        meta.put(META_VARIANTS, Integer.toString(scores.variants()));
        meta.put(META_CONFIG, configSha256);
        meta.put("llmvax_version", BuildInfo.version());
        List<SafetensorsWriter.TensorEntry> entries = new ArrayList<>();
        for (MatrixId id : scores.matrices()) {
            String p = id.modulePath() + "." + (id.matrix().isAttention() ? "head_" : "channel_");
            float[] s = scores.scores(id);
            long[] shape = {s.length};
            entries.add(SafetensorsWriter.f32(p + "scores", shape, s));
            entries.add(SafetensorsWriter.f32(p + "magnitude", shape, scores.magnitude().get(id)));
            entries.add(SafetensorsWriter.f32(p + "alignment", shape, scores.alignment().get(id)));
            if (scores.hasReference()) {
                entries.add(SafetensorsWriter.f32(p + "reference", shape, scores.reference().get(id)));
            }
        }
        SafetensorsWriter.write(file, meta, entries);
    }

    /**
     * Reads a file {@link #write} wrote.
     *
     * @throws ModelFormatException naming the file when it is not a signature file or a matrix lacks a term
     */
    public static Stored read(Path file) {
        try (SafetensorsFile sf = SafetensorsFile.open(file)) {
            Map<String, String> meta = sf.metadata();
            if (!KIND.equals(meta.get(META_KIND))) {
                throw new ModelFormatException(file, "not a purify signature file (metadata " + META_KIND + " is "
                        + meta.get(META_KIND) + ", expected " + KIND + ")");
            }
            Map<MatrixId, float[]> mag = new TreeMap<>();
            Map<MatrixId, float[]> align = new TreeMap<>();
            Map<MatrixId, float[]> ref = new TreeMap<>();
            for (TensorInfo t : sf.tensors().values()) {
                Matcher m = NAME.matcher(t.name());
                if (!m.matches() || t.dtype() != DType.F32 || t.shape().length != 1) {
                    throw new ModelFormatException(file, "unexpected tensor " + t.name() + " (" + t.dtype() + " "
                            + java.util.Arrays.toString(t.shape()) + "): a signature file holds float32 vectors "
                            + "named model.layers.N.mlp.gate_proj.channel_scores and the like");
                }
                MatrixId id = new MatrixId(Integer.parseInt(m.group(1)), matrix(file, m.group(2)));
                switch (m.group(4)) {
                    case "magnitude" -> mag.put(id, sf.toFloats(t.name()));
                    case "alignment" -> align.put(id, sf.toFloats(t.name()));
                    case "reference" -> ref.put(id, sf.toFloats(t.name()));
                    default -> { } // scores are derived from the terms
                }
            }
            if (!mag.keySet().equals(align.keySet())) {
                throw new ModelFormatException(file, "every matrix needs both _magnitude and _alignment");
            }
            if (!ref.isEmpty() && !ref.keySet().equals(mag.keySet())) {
                throw new ModelFormatException(file, "some matrices have a _reference and others not");
            }
            try {
                String rule = meta.get(META_SCORE);
                return new Stored(new ChannelScores(mag, align, ref.isEmpty() ? null : ref,
                        Integer.parseInt(meta.get(META_VARIANTS)), Double.parseDouble(meta.get(META_LAMBDA)),
                        rule == null ? PurifyConfig.Score.EQ2 : PurifyConfig.Score.of(rule)), meta.get(META_CONFIG));
            } catch (RuntimeException e) { // missing or malformed numbers or rule, mismatched lengths
                throw new ModelFormatException(file, "bad signature metadata or vectors: " + e.getMessage(), e);
            }
        }
    }

    private static Matrix matrix(Path file, String module) {
        for (Matrix m : Matrix.values()) {
            if (m.module().equals(module)) {
                return m;
            }
        }
        throw new ModelFormatException(file, "unknown module " + module);
    }
}
