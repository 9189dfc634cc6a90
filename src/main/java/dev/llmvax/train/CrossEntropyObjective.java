package dev.llmvax.train;

import dev.llmvax.data.Batch;
import dev.llmvax.model.BlasThreads;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The default {@link Objective}: cross-entropy of the next token on answer positions, each token weighted by
 * 1 / (answer tokens in the optimiser step), with the LM head and its gradient computed chunk by chunk
 * ({@link HeadLoss}). Its static helpers are the building blocks other objectives reuse for their CE term.
 */
public final class CrossEntropyObjective implements Objective {
    /** {@link #id()}: the default objective, whose fingerprints carry no objective suffix. */
    public static final String ID = "cross-entropy";

    static final CrossEntropyObjective INSTANCE = new CrossEntropyObjective();

    private CrossEntropyObjective() {}

    @Override
    public double microStep(LlamaModel model, Trainable trainable, Batch b, StepTokens step) {
        try (PointerScope scope = new PointerScope()) {
            Tensor ids = Tensors.fromLongs(b.inputIds(), b.rows(), b.cols());
            Tensor hidden = model.hiddenStates(ids, trainable.hook(true));             // (B, T, H)
            AnswerLoss ce = answerLoss(model, hidden, b, 1.0 / step.lossTokens());
            try (BlasThreads blas = backwardBlas(model, b)) {
                ce.selected().backward(ce.grad(), new BoolOptional(), false, new TensorArrayRefOptional());
            }
            return ce.loss();
        }
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String toString() {
        return ID;
    }

    /**
     * The CE term of a forward pass, ready for backward: {@code selected.backward(grad)} adds
     * d(loss)/d(parameters) into the trainable tensors (the LM head's own gradient, when it trains, has already
     * been added by this call).
     *
     * @param selected (N, hidden) the final-normed states at the batch's N answer positions, in the graph
     * @param grad     (N, hidden) d(loss)/d(selected), no graph
     * @param loss     {@code scale * sum CE} over the N answer tokens
     */
    public record AnswerLoss(Tensor selected, Tensor grad, double loss) {}

    /**
     * Cross-entropy at {@code b}'s answer positions of {@code hidden}; tensors live in the caller's scope.
     *
     * @param hidden (B, T, hidden) final-normed states of {@code b} (from {@link LlamaModel#hiddenStates} or
     *               {@link LlamaModel#trace})
     * @param scale  each answer token's weight: 1 / answer tokens in the optimiser step
     */
    public static AnswerLoss answerLoss(LlamaModel model, Tensor hidden, Batch b, double scale) {
        Trainer.LossRows rows = Trainer.LossRows.of(b);
        Tensor selected = hidden.reshape(-1, hidden.size(-1))
                .index_select(0, Tensors.fromLongs(rows.positions(), rows.positions().length));
        double[] loss = new double[1];
        Tensor grad = HeadLoss.lossAndGrad(model, selected,
                Tensors.fromLongs(rows.targets(), rows.targets().length), scale, loss);
        return new AnswerLoss(selected, grad, loss[0]);
    }

    /**
     * One backward from several roots at once ({@code torch::autograd::backward}): gradients of
     * {@code sum_i <roots[i], grads[i]>} accumulate into every leaf that requires grad; OpenBLAS is kept
     * single-threaded where {@link LlamaModel#backwardNeedsSingleBlas} says so.
     */
    public static void backward(LlamaModel model, Batch b, Tensor[] roots, Tensor[] grads) {
        try (BlasThreads blas = backwardBlas(model, b)) {
            torch.backward(new TensorVector(roots), new TensorVector(grads), new BoolOptional(), false,
                    new TensorVector());
        }
    }

    /**
     * The OpenBLAS setting a backward through {@code b}'s forward needs (see {@link BlasThreads}): a scope to
     * close after the backward, or null when none is needed.
     */
    public static BlasThreads backwardBlas(LlamaModel model, Batch b) {
        return model.backwardNeedsSingleBlas(b.cols()) ? BlasThreads.single() : null;
    }
}
