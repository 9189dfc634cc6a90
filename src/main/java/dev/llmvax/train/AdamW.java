package dev.llmvax.train;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * AdamW as {@code torch.optim.AdamW} computes it (decoupled weight decay, bias-corrected moments), on
 * float32 parameters. Its moments are plain tensors so a checkpoint can save and restore them exactly.
 */
public final class AdamW implements AutoCloseable {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final List<Tensor> m = new ArrayList<>();
    private final List<Tensor> v = new ArrayList<>();
    private long step;

    public AdamW(List<Tensor> params, double beta1, double beta2, double eps, double weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        for (Tensor p : params) {
            // retained: a trainer may build this inside a PointerScope that must not free the moments
            m.add(torch.zeros_like(p).retainReference());
            v.add(torch.zeros_like(p).retainReference());
        }
    }

    /** One update of every parameter by its gradient (float32, same order as the constructor's list). */
    public void step(List<Tensor> params, List<Tensor> grads, double lr) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        try (NoGradGuard g = new NoGradGuard()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                Tensor grad = grads.get(i);
                Tensor mi = m.get(i);
                Tensor vi = v.get(i);
                if (weightDecay != 0) {
                    p.mul_(new Scalar(1 - lr * weightDecay));
                }
                mi.mul_(new Scalar(beta1)).add_(grad, new Scalar(1 - beta1));
                torch.addcmul_out(vi, vi.mul_(new Scalar(beta2)), grad, grad, new Scalar(1 - beta2));
                Tensor denom = torch.sqrt(vi).div_(new Scalar(Math.sqrt(bc2))).add_(new Scalar(eps));
                torch.addcdiv_out(p, p, mi, denom, new Scalar(-lr / bc1));
                denom.close();
            }
        }
    }

    public long steps() {
        return step;
    }

    /** First moments, aligned with the parameters (live state: save, or copy into on restore). */
    public List<Tensor> firstMoments() {
        return m;
    }

    public List<Tensor> secondMoments() {
        return v;
    }

    /** Sets the update count after moments were restored from a checkpoint. */
    public void restoreSteps(long steps) {
        this.step = steps;
    }

    @Override
    public void close() {
        m.forEach(Tensor::close);
        v.forEach(Tensor::close);
    }
}
