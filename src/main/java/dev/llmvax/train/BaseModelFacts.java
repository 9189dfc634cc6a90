package dev.llmvax.train;

import dev.llmvax.io.GgufFile;
import dev.llmvax.model.LoadedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;


/** What a model card says about its base: a Hugging Face id when one is known, and the base's license. */
public record BaseModelFacts(String id, String license) {
    /**
     * The id is the model's own name when it reads like a hub id ({@code org/name}),, else the file or folder
     * name (a GGUF's organisation and basename do not name one repository). The license comes
     * from GGUF {@code general.license} or the front matter of the folder's README.md; "other" when unknown.
     */
    public static BaseModelFacts of(LoadedModel m) {
        String name = m.config().name();
        String id = name != null && name.matches("[\\w.-]+/[\\w.-]+") ? name : null;
        String license = null;
        if (m.format().equals("gguf")) {
            try (GgufFile g = GgufFile.open(m.source())) {
                license = g.get("general.license").map(Object::toString).orElse(null);
            }
        } else {
            license = frontMatterLicense(m.source().resolve("README.md")).orElse(null);
        }
        if (id == null) {
            id = m.source().getFileName().toString();
        }
        return new BaseModelFacts(id, license == null || license.isBlank() ? "other" : license.strip());
    }

    static Optional<String> frontMatterLicense(Path readme) {
        if (!Files.isRegularFile(readme)) {
            return Optional.empty();
        }
        try {
            String[] lines = Files.readString(readme).split("\n");
            if (lines.length == 0 || !lines[0].strip().equals("---")) {
                return Optional.empty();
            }
            for (int i = 1; i < lines.length && !lines[i].strip().equals("---"); i++) {
                if (lines[i].startsWith("license:")) {
                    return Optional.of(lines[i].substring("license:".length()).strip().replace("\"", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // a README we cannot read gives no license, not a failed run
        }
        return Optional.empty();
    }
}
