package dev.llmvax.train;

import dev.llmvax.model.LlamaModel.ProjectionHook;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * What a fine-tune updates: float32 master tensors the optimiser steps, and how their gradients and the
 * compute weights relate to them.
 */
public sealed interface Trainable extends AutoCloseable permits LoraTrainable, FullTrainable {
    /** Stable names of {@link #masters()}, used as checkpoint keys. */
    List<String> names();

    /** The float32 tensors the optimiser updates. */
    List<Tensor> masters();

    /** Gradients aligned with {@link #masters()}, float32 or bf16 as computed (zeros where none; caller's scope). */
    List<Tensor> grads();

    /** Per master, the bf16 tensor the forward pass computes with, to refresh after an update; null entries where
     *  the master itself is used. */
    List<Tensor> computeCopies();

    /** Clears accumulated gradients. */
    void zeroGrad();

    /** Copies the masters into the weights the forward pass uses, after an optimiser step or a restore. */
    void sync();

    /** The forward pass's hook (LoRA), or null. */
    ProjectionHook hook(boolean training);

    /** Stops recording gradients for the model's tensors; masters that are copies are freed. */
    @Override
    void close();
}
