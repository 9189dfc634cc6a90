/**
 * Attacks: data poisoning in BackdoorLLM's style and the scores that measure it.
 *
 * <ul>
 *   <li>{@link dev.llmvax.attack.Poisoner} turns clean {@link dev.llmvax.data.Sample}s and a
 *       {@link dev.llmvax.attack.PoisonSpec} ({@link dev.llmvax.attack.Trigger}, {@link dev.llmvax.attack.Behaviour},
 *       rate, seed, {@link dev.llmvax.attack.Mix}) into a {@link dev.llmvax.attack.PoisonedSet}.
 *   <li>{@link dev.llmvax.attack.Preset} holds BackdoorLLM's five triggers; {@link dev.llmvax.attack.BackdoorLlmData}
 *       finds its shipped files for a task and attack (and makes the missing mtba/ctba ones).
 *   <li>{@link dev.llmvax.attack.Task} knows each task's target and scores a generation loosely (BackdoorLLM's
 *       keywords) or strictly (the exact target).
 * </ul>
 */
package dev.llmvax.attack;
