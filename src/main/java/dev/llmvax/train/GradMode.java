package dev.llmvax.train;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/** Gradient housekeeping shared by the trainables. */
final class GradMode {
    private GradMode() {}

    /** Drops the gradients (PyTorch's {@code grad = None}): frees them, and the next backward writes fresh ones. */
    static void clear(List<Tensor> tensors) {
        for (Tensor t : tensors) {
            try (Tensor none = new Tensor()) {
                t.mutable_grad().put(none);
            }
        }
    }
}
