package dev.llmvax.lora;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmvax.io.SafetensorsFile;
import dev.llmvax.io.SafetensorsWriter;
import dev.llmvax.io.TensorInfo;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Tensors;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;

/** Small helpers shared by the LoRA tests. */
final class LoraTesting {
    /** A prompt of tiny-vocabulary ids (all below 64). */
    static final int[] IDS = {1, 17, 5, 42, 9, 33, 60, 2};

    private LoraTesting() {
    }

    /** Float32 logits (T x vocab, row-major) of one cache-free pass over {@code ids}. */
    static float[] logits(LlamaModel m, int[] ids) {
        long[] pos = new long[ids.length];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = i;
        }
        try (InferenceMode guard = new InferenceMode();
             Tensor idt = Tensors.fromInts(ids, 1, ids.length);
             Tensor post = Tensors.fromLongs(pos, 1, ids.length);
             Tensor out = m.forward(idt, post, null, 0, null, false)) {
            return Tensors.toFloats(out);
        }
    }

    /** The model's weight {@code name} as float32 values. */
    static float[] weight(LlamaModel m, String name) {
        Map<String, Tensor> w = m.weights();
        try {
            return Tensors.toFloats(w.get(name));
        } finally {
            w.values().forEach(Tensor::close);
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    /** Rewrites {@code dir}'s adapter_config.json through {@code edit}. */
    static void editConfig(Path dir, java.util.function.Consumer<ObjectNode> edit) throws java.io.IOException {
        ObjectMapper json = new ObjectMapper();
        Path file = dir.resolve(PeftAdapter.CONFIG_FILE);
        ObjectNode o = (ObjectNode) json.readTree(file.toFile());
        edit.accept(o);
        json.writeValue(file.toFile(), o);
    }

    /** Rewrites a safetensors file through {@code edit} of its entries (metadata kept unless edited). */
    static void rewrite(Path file, UnaryOperator<List<SafetensorsWriter.TensorEntry>> edit) {
        rewrite(file, edit, UnaryOperator.identity());
    }

    static void rewrite(Path file, UnaryOperator<List<SafetensorsWriter.TensorEntry>> edit,
                        UnaryOperator<Map<String, String>> editMeta) {
        List<SafetensorsWriter.TensorEntry> entries = new ArrayList<>();
        Map<String, String> meta;
        try (SafetensorsFile sf = SafetensorsFile.open(file)) {
            meta = new LinkedHashMap<>(sf.metadata());
            for (TensorInfo t : sf.tensors().values()) {
                entries.add(new SafetensorsWriter.TensorEntry(t.name(), t.dtype(), t.shape(),
                        MemorySegment.ofArray(sf.data(t.name()).toArray(ValueLayout.JAVA_BYTE))));
            }
        }
        SafetensorsWriter.write(file, editMeta.apply(meta), edit.apply(entries));
    }
}
