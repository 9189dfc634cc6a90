/**
 * Training data: instruction files in, padded token batches out, with nothing here needing libtorch.
 *
 * <ol>
 *   <li>{@link dev.llmvax.data.DataSet#load} reads Alpaca-style files (a JSON array or JSON Lines of
 *       {@code instruction}, {@code input}, {@code output}; Dolly's {@code context} and {@code response} are
 *       read as {@code input} and {@code output}) and hashes each file; a bad file is a
 *       {@link dev.llmvax.data.DataFormatException} naming the file and record.
 *   <li>{@link dev.llmvax.data.ChatEncoder} renders each {@link dev.llmvax.data.Sample} with the model's chat
 *       template and tokenises it into an {@link dev.llmvax.data.Example} whose loss covers the answer and
 *       its end-of-turn token only.
 *   <li>{@link dev.llmvax.data.BatchPlan} groups examples of similar length into seeded, reproducible
 *       {@link dev.llmvax.data.Batch}es.
 * </ol>
 *
 * {@link dev.llmvax.data.DataSplit} draws seeded, disjoint subsets for the attack kit and the purifier.
 */
package dev.llmvax.data;
