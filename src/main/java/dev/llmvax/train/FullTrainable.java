package dev.llmvax.train;

import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.LlamaModel.ProjectionHook;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Full fine-tuning: every model tensor learns. Tensors stored in float32 are their own masters; bf16 ones get
 * a float32 master the optimiser steps; {@link AdamW} writes the rounded result back into the bf16 weight in
 * the same pass (mixed precision with float32 master weights).
 */
public final class FullTrainable implements Trainable {
    private final LlamaModel model;
    private final List<String> names = new ArrayList<>();
    private final List<Tensor> compute = new ArrayList<>();
    private final List<Tensor> masters = new ArrayList<>();

    public FullTrainable(LlamaModel model) {
        this.model = model;
        for (Map.Entry<String, Tensor> e : model.storage().entrySet()) {
            Tensor w = e.getValue();
            names.add(e.getKey());
            compute.add(w);
            masters.add(w.scalar_type().intern() == ScalarType.Float ? w : w.to(ScalarType.Float).retainReference());
            w.set_requires_grad(true);
        }
    }

    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public List<Tensor> masters() {
        return masters;
    }

    @Override
    public List<Tensor> grads() {
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < compute.size(); i++) {
            Tensor g = compute.get(i).grad();
            out.add(g.defined() ? g : torch.zeros_like(masters.get(i)));
        }
        return out;
    }

    @Override
    public List<Tensor> computeCopies() {
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < compute.size(); i++) {
            out.add(masters.get(i) == compute.get(i) ? null : compute.get(i));
        }
        return out;
    }

    @Override
    public void zeroGrad() {
        GradMode.clear(compute);
    }

    @Override
    public void sync() {
        try (NoGradGuard g = new NoGradGuard()) {
            for (int i = 0; i < compute.size(); i++) {
                if (masters.get(i) != compute.get(i)) {
                    compute.get(i).copy_(masters.get(i));
                }
            }
        }
        model.refreshDerived();
    }

    @Override
    public ProjectionHook hook(boolean training) {
        return null;
    }

    @Override
    public void close() {
        GradMode.clear(compute);
        for (int i = 0; i < compute.size(); i++) {
            Tensor w = compute.get(i);
            w.set_requires_grad(false);
            if (masters.get(i) != w) {
                masters.get(i).close();
            }
        }
        model.refreshDerived();
    }
}
