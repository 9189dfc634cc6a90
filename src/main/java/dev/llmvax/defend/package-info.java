/**
 * Defences that remove a backdoor from a model without knowing its trigger: fine-tuning objectives such as
 * {@link dev.llmvax.defend.CrowObjective} (CROW's internal-consistency regularisation), plugged into the
 * trainer of {@code dev.llmvax.train} through {@link dev.llmvax.train.Objective}, and weight-space methods.
 */
package dev.llmvax.defend;
