package dev.llmvax.defend;

/**
 * The settings of CROW's training objective (Min et al. 2025, "CROW: Eliminating Backdoors from Large Language
 * Models via Internal Consistency Regularization", ICML 2025, arXiv:2411.12768): {@code CE + alpha * L_cons}
 * on input embeddings perturbed by {@code epsilon * sign(grad L_cons)}.
 *
 * @param alpha   weight of the consistency loss against cross-entropy, {@code >= 0} (0: plain CE on the
 *                perturbed inputs)
 * @param epsilon size of the FGSM perturbation of each input-embedding coordinate, {@code >= 0} (0: no
 *                perturbation); an absolute value in embedding units, so its strength depends on the scale of the
 *                model's embedding table
 */
public record CrowConfig(double alpha, double epsilon) {
    /**
     * {@code alpha = 5.5}, {@code epsilon = 0.1}: the keyword defaults of a public CROW training script (a
     * Hugging Face {@code Trainer} subclass, {@code CustomTrainerWithCrowLoss(*args, alpha=5.5, epsilon=0.1)}),
     * as the task brief expected. Checked against that script's source only (its repository, probably the
     * BackdoorLLM benchmark's defence kit, was not identified), not against the paper's tables.
     */
    public static final CrowConfig DEFAULT = new CrowConfig(5.5, 0.1);

    public CrowConfig {
        check("alpha", alpha);
        check("epsilon", epsilon);
    }

    private static void check(String field, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("CROW " + field + " must be a finite number >= 0, got " + v);
        }
    }

    public CrowConfig withAlpha(double a) {
        return new CrowConfig(a, epsilon);
    }

    public CrowConfig withEpsilon(double e) {
        return new CrowConfig(alpha, e);
    }
}
