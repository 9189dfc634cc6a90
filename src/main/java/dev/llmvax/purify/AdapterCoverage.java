package dev.llmvax.purify;

import dev.llmvax.lora.LoraMerge;
import dev.llmvax.lora.LoraWeights;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.Tensors;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * In adapter mode, how much of the suspicious adapter's own update the signature's units carry. Zeroing a unit
 * (a lora_B row of gate/up, a lora_A column of down) removes exactly that unit's share of the adapter's dense
 * update (α/r)·B·A, so a signature that removes the adapter's backdoor should carry more of that update than
 * random units do. Measured on SmolLM2 (docs/RESULTS.md, stop 22): on two adapter-only backdoors the signature's
 * 35 % of the units carried 33.8 % and 33.7 % of the adapter's update, as random units would, and zeroing them
 * (then the repair) left 73 % and 94 % ASR, while the MLP adapters alone kept 90 % of one backdoor; cutting whole
 * channels removed both (full mode, stop 22; {@link AdapterChannels} in adapter mode, stop 23). So the coverage is
 * measured only when adapter mode zeroes units.
 *
 * <p>Energy of a unit: the squared L2 norm of its row (gate/up/q/k/v) or column (down/o) of the dense update, a
 * head's rows or columns summed. Matrices the adapter does not adapt count with zero energy.
 *
 * @param unitShare   flagged units over all units of the signature's matrices (what random units would carry)
 * @param energyShare the flagged units' energy over the energy of every unit of those matrices; 0 when the adapter
 *                    changes none of them
 * @param byType      matrix type id ({@code gate}, {@code up}, {@code down}, ...) to its energy share
 */
public record AdapterCoverage(double unitShare, double energyShare, Map<String, Double> byType) {
    /** Below this ratio to chance the signature does not single out the adapter's update (see the class doc). */
    public static final double WEAK_LIFT = 1.2;

    public AdapterCoverage {
        byType = Collections.unmodifiableMap(new TreeMap<>(byType));
    }

    /** The share of {@code adapter}'s update that {@code signature}'s units carry. */
    public static AdapterCoverage of(LoraWeights adapter, Signature signature, LlamaConfig c) {
        double flaggedUnits = 0;
        double allUnits = 0;
        Map<String, double[]> sums = new TreeMap<>(); // type -> {flagged energy, all energy}
        try (InferenceMode guard = new InferenceMode()) {
            for (Map.Entry<MatrixId, Signature.Selection> e : signature.selections().entrySet()) {
                MatrixId id = e.getKey();
                Signature.Selection s = e.getValue();
                flaggedUnits += s.count();
                allUnits += s.units();
                double[] sum = sums.computeIfAbsent(id.matrix().id(), k -> new double[2]);
                float[] energy = unitEnergy(adapter, id, c);
                if (energy == null) {
                    continue;
                }
                if (energy.length != s.units()) {
                    throw new IllegalArgumentException("the adapter's " + id + " has " + energy.length
                            + " units, the signature " + s.units());
                }
                for (float x : energy) {
                    sum[1] += x;
                }
                for (int j : s.flagged()) {
                    sum[0] += energy[j];
                }
            }
        }
        Map<String, Double> byType = new TreeMap<>();
        double[] all = new double[2];
        sums.forEach((type, s) -> {
            byType.put(type, share(s[0], s[1]));
            all[0] += s[0];
            all[1] += s[1];
        });
        return new AdapterCoverage(share(flaggedUnits, allUnits), share(all[0], all[1]), byType);
    }

    /** Per unit of {@code id}, the squared norm of the adapter's dense update; null when it does not adapt it. */
    private static float[] unitEnergy(LoraWeights adapter, MatrixId id, LlamaConfig c) {
        LoraWeights.Pair p = adapter.pairs().get(id.modulePath());
        if (p == null) {
            return null;
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor d = LoraMerge.delta(p, adapter.config().scale()).to(ScalarType.Float);
            Tensor units = ChannelScores.unitView(d, id.matrix(), c);
            return Tensors.toFloats(units.mul(units).sum(new long[] {1}, false, new ScalarTypeOptional()));
        }
    }

    private static double share(double part, double whole) {
        return whole > 0 ? part / whole : 0;
    }

    /** energyShare over unitShare: 1 when the signature carries what random units would. */
    public double lift() {
        return unitShare > 0 ? energyShare / unitShare : 0;
    }

    /** Whether the signature carries clearly more of the adapter than random units ({@link #WEAK_LIFT}). */
    public boolean singlesOutAdapter() {
        return lift() >= WEAK_LIFT;
    }

    /** One line for logs and reports. */
    public String describe() {
        StringBuilder types = new StringBuilder();
        byType.forEach((t, v) -> types.append(types.isEmpty() ? "" : ", ")
                .append(String.format(Locale.ROOT, "%s %.1f %%", t, 100 * v)));
        return String.format(Locale.ROOT, "the flagged units (%.1f %% of the signature's matrices) carry %.1f %% of "
                + "the adapter's update there (%.2fx what random units would; by type: %s)", 100 * unitShare,
                100 * energyShare, lift(), types);
    }
}
