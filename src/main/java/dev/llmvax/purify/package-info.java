/**
 * The purifier's core (method.md §3, after Li &amp; Kim, "Purifying Generative LLMs from Backdoors without Prior
 * Knowledge or Clean Reference", ICLR 2026): {@link dev.llmvax.purify.PurifyConfig} (the recipe),
 * {@link dev.llmvax.purify.VariantData} (stage 1's data), {@link dev.llmvax.purify.Deltas} (Eq. 1),
 * {@link dev.llmvax.purify.ChannelScores} (Eq. 2), {@link dev.llmvax.purify.Signature} (top-τ per matrix,
 * stored by {@link dev.llmvax.purify.SignatureFile}), {@link dev.llmvax.purify.Neutraliser} and its
 * {@link dev.llmvax.purify.RandomChannels} control.
 *
 * <p>A <i>unit</i> is what gets scored and neutralised: in an MLP matrix one channel (an output row of
 * gate/up_proj, an input column of down_proj: one intermediate neuron); in an attention matrix one head (its
 * head_dim rows of q/k/v_proj, its head_dim columns of o_proj).
 */
package dev.llmvax.purify;
