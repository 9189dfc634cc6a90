package dev.llmvax.train;

import dev.llmvax.lora.LoraWeights;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.LlamaModel.ProjectionHook;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** LoRA: the base stays frozen in the compute dtype; only the adapter's float32 A and B learn. */
public final class LoraTrainable implements Trainable {
    private final LlamaModel model;
    private final LoraWeights lora;
    private final List<String> names = new ArrayList<>();

    public LoraTrainable(LlamaModel model, LoraWeights lora) {
        this.model = model;
        this.lora = lora;
        for (Map.Entry<String, LoraWeights.Pair> e : lora.pairs().entrySet()) {
            names.add(e.getKey() + ".lora_A");
            names.add(e.getKey() + ".lora_B");
            e.getValue().a().set_requires_grad(true);
            e.getValue().b().set_requires_grad(true);
        }
    }

    public LoraWeights lora() {
        return lora;
    }

    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public List<Tensor> masters() {
        return lora.tensors();
    }

    @Override
    public List<Tensor> grads() {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : lora.tensors()) {
            Tensor g = t.grad();
            out.add(g.defined() ? g : torch.zeros_like(t));
        }
        return out;
    }

    @Override
    public List<Tensor> computeCopies() {
        return java.util.Collections.nCopies(lora.tensors().size(), null);
    }

    @Override
    public void zeroGrad() {
        GradMode.clear(lora.tensors());
    }

    @Override
    public void sync() {
        // the masters are the adapter itself
    }

    @Override
    public ProjectionHook hook(boolean training) {
        return new LoraHook(lora, model.config(), model.precision().scalarType(), training);
    }

    @Override
    public void close() {
        GradMode.clear(lora.tensors());
        for (Tensor t : lora.tensors()) {
            t.set_requires_grad(false);
        }
    }
}
