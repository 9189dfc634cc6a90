package dev.llmvax.defend;

/**
 * What {@link Quantizer#apply} did.
 *
 * @param format      the block format the weights went through
 * @param matrices    matrices rounded (7 per layer)
 * @param parameters  weights rounded
 * @param maxAbsError the largest |w - w'| over them, w' as stored after the round trip
 * @param rmsError    sqrt(mean (w - w')²) over them
 */
public record QuantResult(QuantFormat format, int matrices, long parameters, double maxAbsError, double rmsError) {
}
