package dev.llmvax.train;

/**
 * Linear warm-up from 0 to the peak rate, then cosine decay to 0 at the last step: transformers'
 * {@code get_cosine_schedule_with_warmup}, whose rate for step s (from 0) is the one applied by update s.
 */
public record LrSchedule(double peak, int warmupSteps, int totalSteps) {
    public LrSchedule {
        if (totalSteps <= 0 || warmupSteps < 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException("bad schedule: warm-up " + warmupSteps + " of " + totalSteps + " steps");
        }
    }

    public double at(int step) {
        if (step < warmupSteps) {
            return peak * step / Math.max(1, warmupSteps);
        }
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        return peak * Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
    }
}
