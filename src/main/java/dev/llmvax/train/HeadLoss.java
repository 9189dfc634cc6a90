package dev.llmvax.train;

import dev.llmvax.model.LlamaModel;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * LM head and cross-entropy with hand-written gradients, a few rows at a time, so the (N, vocab) logits are
 * never stored whole (the idea of Liger's fused linear cross-entropy).
 *
 * <p>Through autograd the head costs three float32 (N, vocab) tensors per micro-batch (logits, log-softmax,
 * their gradient: 600 MB at 8 x 128 tokens of SmolLM2), each freshly mapped and zeroed by the kernel. Here a
 * chunk's logits become its softmax in place, and d loss / d logits = softmax - onehot feeds two matmuls.
 */
final class HeadLoss {
    /** Rows per chunk: keeps a chunk's float32 logits under glibc's 32 MB mmap threshold, so it is reused. */
    private static final long CHUNK_BYTES = 24L << 20;

    private HeadLoss() {}

    /**
     * Adds d(scale * sum CE)/d(head weight) to the head's gradient when it is trainable, and returns
     * d(scale * sum CE)/d(hidden) for the caller's backward through the body.
     *
     * @param hidden  (N, hidden) final-normed states at the loss positions (values only; no graph is built)
     * @param targets (N) int64 next-token ids
     * @param scale   the loss weight of each token (1 / tokens in the optimiser step)
     * @param out     receives the loss {@code scale * sum CE} at index 0
     * @return (N, hidden) gradient in {@code hidden}'s dtype, in the caller's scope
     */
    static Tensor lossAndGrad(LlamaModel model, Tensor hidden, Tensor targets, double scale, double[] out) {
        Tensor w = model.lmHeadWeight();                        // (V, H), compute dtype
        ScalarType ct = model.precision().scalarType();
        long n = hidden.size(0);
        long vocab = w.size(0);
        long chunk = Math.max(1, Math.min(n, CHUNK_BYTES / (4 * vocab)));
        boolean headGrad = w.requires_grad();
        Tensor gradHidden = torch.empty(new long[] {n, hidden.size(1)},
                new TensorOptions(hidden.scalar_type()), new org.bytedeco.pytorch.MemoryFormatOptional());
        Tensor probs = headGrad ? torch.empty(new long[] {n, vocab}, new TensorOptions(ct),
                new org.bytedeco.pytorch.MemoryFormatOptional()) : null;
        Tensor hc;
        double loss = 0;
        try (NoGradGuard g = new NoGradGuard()) {
            hc = hidden.detach().to(ct);
            for (long i = 0; i < n; i += chunk) {
                long c = Math.min(chunk, n - i);
                try (PointerScope scope = new PointerScope()) {
                    Tensor h = hc.narrow(0, i, c);
                    Tensor logits = torch.linear(h, w).to(ScalarType.Float);                  // (c, V)
                    Tensor flat = torch.arange(new Scalar(c), new TensorOptions(ScalarType.Long))
                            .mul_(new Scalar(vocab)).add_(targets.narrow(0, i, c));          // row * V + target
                    Tensor lse = logits.logsumexp(new long[] {1}, true);                     // (c, 1)
                    Tensor picked = logits.view(-1).index_select(0, flat);                   // (c)
                    loss += lse.view(-1).sub(picked).sum().item_double();
                    Tensor p = logits.sub_(lse).exp_();                                       // softmax, in place
                    p.view(-1).index_add_(0, flat, torch.full(new long[] {c}, new Scalar(-1.0)));
                    Tensor pc = p.mul_(new Scalar(scale)).to(ct);                              // d loss / d logits
                    gradHidden.narrow(0, i, c).copy_(torch.matmul(pc, w));
                    if (probs != null) {
                        probs.narrow(0, i, c).copy_(pc);
                    }
                }
            }
        }
        if (probs != null) {
            try (NoGradGuard g = new NoGradGuard()) {
                accumulate(w, torch.matmul(probs.t(), hc));                                  // (V, H)
            }
        }
        out[0] = loss * scale;
        return gradHidden;
    }

    /** Adds {@code g} into {@code w}'s gradient as autograd would (creating it when there is none yet). */
    private static void accumulate(Tensor w, Tensor g) {
        Tensor grad = w.mutable_grad();
        if (grad.defined()) {
            grad.add_(g);
        } else {
            grad.put(g.to(w.scalar_type()));
        }
    }
}
