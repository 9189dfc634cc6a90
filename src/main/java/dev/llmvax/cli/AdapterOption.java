package dev.llmvax.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --adapter DIR}: a PEFT LoRA adapter merged into MODEL before the command runs. */
final class AdapterOption {
    @Option(names = "--adapter", paramLabel = "DIR",
            description = "A PEFT LoRA adapter folder (adapter_config.json, adapter_model.safetensors) to merge "
                    + "into MODEL; it must fit MODEL's modules and shapes, and the base it records, if any.")
    Path dir;
}
