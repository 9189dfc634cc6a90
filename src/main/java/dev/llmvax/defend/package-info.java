/**
 * Baseline defenses the purifier is compared against (method.md §5, issue 7), run by {@code llmvax defend}
 * ({@link dev.llmvax.defend.DefendJob}).
 *
 * <ul>
 *   <li>Wanda pruning (Sun et al. 2023, "A Simple and Effective Pruning Approach for Large Language Models",
 *       arXiv:2306.11695): {@link dev.llmvax.defend.ActivationNorms} collects ||X_j||_2 over clean calibration
 *       text, {@link dev.llmvax.defend.Wanda} zeroes the weights of lowest |W_ij|·||X_j||, as set by
 *       {@link dev.llmvax.defend.WandaConfig}.</li>
 *   <li>Quantisation round trip: {@link dev.llmvax.defend.Quantizer} encodes the linear weights in a GGUF block
 *       format ({@link dev.llmvax.defend.QuantFormat}: Q8_0, Q4_0) and decodes them back, the rounding a user
 *       applies when running the model quantised.</li>
 *   <li>CROW's internal-consistency regularisation ({@link dev.llmvax.defend.CrowObjective}), a training
 *       objective plugged into the trainer through {@link dev.llmvax.train.Objective}.</li>
 *   <li>Clean fine-tuning and fine-pruning reuse the purifier's repair recipe ({@link dev.llmvax.defend.Budget}).</li>
 * </ul>
 *
 * <p>Pruning and rounding address matrices as the purifier does ({@link dev.llmvax.purify.MatrixId},
 * {@link dev.llmvax.purify.Matrix}): the seven linear matrices of each decoder layer. The embedding, the LM head
 * and the norms are never touched.
 */
package dev.llmvax.defend;
