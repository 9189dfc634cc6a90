package dev.llmvax.util;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where an output came from, written as {@code run.json} into every output folder: the command
 * line, the tool version, the machine and the SHA-256 of every input.
 *
 * @param command      the arguments as the user typed them (after {@code llmvax})
 * @param startedAt    ISO-8601 UTC instant the run began
 * @param inputsSha256 input name (e.g. a path or "model") to its SHA-256 hex; kept sorted by name
 */
public record Provenance(String tool, String version, List<String> command, String startedAt,
                         String javaVersion, String os, String cpu, Map<String, String> inputsSha256) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public Provenance {
        command = List.copyOf(command);
        inputsSha256 = Collections.unmodifiableMap(new TreeMap<>(inputsSha256));
    }

    /** This provenance with another start time: for commands whose input hashes are known only at the end. */
    public Provenance startedAt(String when) {
        return new Provenance(tool, version, command, when, javaVersion, os, cpu, inputsSha256);
    }

    /** A record for a run starting now on this machine. */
    public static Provenance of(List<String> command, Map<String, String> inputsSha256) {
        return new Provenance("llmvax", BuildInfo.version(), command, Instant.now().toString(),
                BuildInfo.javaVersion(), BuildInfo.os(), CpuFeatures.current().modelName(), inputsSha256);
    }

    /** Writes this record as indented JSON to {@code file} atomically; refuses to replace a file. */
    public void writeJson(Path file) throws IOException {
        AtomicOutputDir.writeAtomically(file, tmp -> JSON.writeValue(tmp.toFile(), this));
    }

    /** Reads a record written by {@link #writeJson(Path)}. */
    public static Provenance readJson(Path file) throws IOException {
        return JSON.readValue(file.toFile(), Provenance.class);
    }
}
