package dev.llmvax.purify;

import dev.llmvax.model.LlamaConfig;
import java.util.List;
import java.util.Locale;

/**
 * The weight matrices the purifier scores, described as data: where a matrix lives, which of its axes indexes
 * units, and how many rows or columns make one unit.
 */
public enum Matrix {
    GATE("mlp.gate_proj", Axis.ROW),
    UP("mlp.up_proj", Axis.ROW),
    DOWN("mlp.down_proj", Axis.COLUMN),
    Q("self_attn.q_proj", Axis.ROW),
    K("self_attn.k_proj", Axis.ROW),
    V("self_attn.v_proj", Axis.ROW),
    O("self_attn.o_proj", Axis.COLUMN);

    /** The MLP matrices, scored by channel (method.md §3). */
    public static final List<Matrix> MLP = List.of(GATE, UP, DOWN);
    /** The attention matrices, scored by head when the config asks for heads. */
    public static final List<Matrix> ATTENTION = List.of(Q, K, V, O);

    /** Which axis of the HF (out, in) weight indexes units. */
    public enum Axis { ROW, COLUMN }

    private final String module;
    private final Axis axis;

    Matrix(String module, Axis axis) {
        this.module = module;
        this.axis = axis;
    }

    /** The module path inside a block, e.g. {@code mlp.gate_proj}. */
    public String module() {
        return module;
    }

    /** The short module name, e.g. {@code gate_proj} (LoRA's target names). */
    public String shortName() {
        return module.substring(module.indexOf('.') + 1);
    }

    public Axis axis() {
        return axis;
    }

    public boolean isAttention() {
        return ATTENTION.contains(this);
    }

    /** Rows (or columns) per unit: 1 for an MLP channel, head_dim for a head. */
    public int unitWidth(LlamaConfig c) {
        return isAttention() ? c.headDim() : 1;
    }

    /** Units in one such matrix: intermediate channels, query heads (q, o) or kv heads (k, v). */
    public int units(LlamaConfig c) {
        return switch (this) {
            case GATE, UP, DOWN -> c.intermediateSize();
            case Q, O -> c.numHeads();
            case K, V -> c.numKvHeads();
        };
    }

    /** The HF (out, in) shape. */
    public long[] shape(LlamaConfig c) {
        return switch (this) {
            case GATE, UP -> new long[] {c.intermediateSize(), c.hiddenSize()};
            case DOWN -> new long[] {c.hiddenSize(), c.intermediateSize()};
            case Q -> new long[] {c.qDim(), c.hiddenSize()};
            case K, V -> new long[] {c.kvDim(), c.hiddenSize()};
            case O -> new long[] {c.hiddenSize(), c.qDim()};
        };
    }

    /** The name used in config files and messages: gate, up, down, q, k, v, o. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
