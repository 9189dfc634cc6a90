package dev.llmvax.eval.utility;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.llmvax.data.DataFormatException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Reads the first {@code n} items of a benchmark, in file order, so that every run scores the same items. A
 * missing or malformed file is a {@link DataFormatException} naming the file (and line).
 *
 * <p>MMLU has one file per subject: its first {@code n} items are taken round-robin over the subjects in
 * alphabetical order (item 0 of every subject, then item 1, ...): up to {@code n = 5,700} (the smallest subject
 * has 100 items) that is the first {@code ceil(n / 57)} items of each file, so a small {@code n} covers every
 * subject rather than only {@code abstract_algebra}.
 */
public final class Benchmarks {
    private static final ObjectMapper LINE = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final List<String> MMLU_HEADER = List.of("question", "choice0", "choice1", "choice2", "choice3",
            "answer");

    private Benchmarks() {
    }

    /**
     * The first {@code n} items of {@code benchmark} (fewer when the file has fewer).
     *
     * @param evalDir the eval data folder ({@code ../shared/data/eval})
     */
    public static List<McItem> load(Path evalDir, Benchmark benchmark, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("number of items per benchmark must be at least 1, got " + n);
        }
        Path file = evalDir.resolve(benchmark.file());
        return switch (benchmark) {
            case HELLASWAG -> jsonl(file, n, PromptFormats::hellaswag);
            case ARC_EASY, ARC_CHALLENGE -> jsonl(file, n, PromptFormats::arc);
            case BOOLQ -> jsonl(file, n, PromptFormats::boolq);
            case OPENBOOKQA -> jsonl(file, n, PromptFormats::openbookqa);
            case WINOGRANDE -> jsonl(file, n, PromptFormats::winogrande);
            case PIQA -> piqa(file, n);
            case MMLU -> mmlu(file, n);
        };
    }

    /** {@link #load(Path, Benchmark, int)} by name; an unknown name lists the known ones. */
    public static List<McItem> load(Path evalDir, String benchmark, int n) {
        return load(evalDir, Benchmark.parse(benchmark), n);
    }

    private static List<McItem> jsonl(Path file, int n, Function<JsonNode, McItem> format) {
        List<McItem> items = new ArrayList<>();
        forLines(file, n, (line, text) -> {
            JsonNode node = parseLine(file, items.size() + 1, line, text);
            items.add(formatted(file, items.size() + 1, line, () -> format.apply(node)));
        }, items::size);
        return nonEmpty(file, items);
    }

    /** PIQA keeps its answers apart: line i of {@code valid-labels.lst} is 0 or 1 for line i of the jsonl. */
    private static List<McItem> piqa(Path file, int n) {
        Path labelsFile = file.resolveSibling("valid-labels.lst");
        List<String> labels = new ArrayList<>();
        forLines(labelsFile, n, (line, text) -> labels.add(text.strip()), labels::size);
        List<McItem> items = new ArrayList<>();
        forLines(file, n, (line, text) -> {
            int record = items.size() + 1;
            JsonNode node = parseLine(file, record, line, text);
            if (record > labels.size()) {
                throw new DataFormatException(labelsFile, "has " + labels.size() + " labels but " + file.getFileName()
                        + " has more records: the two files must have one line per item");
            }
            String label = labels.get(record - 1);
            items.add(formatted(file, record, line, () -> {
                try {
                    return PromptFormats.piqa(node, Integer.parseInt(label));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("label " + record + " in " + labelsFile.getFileName()
                            + " must be 0 or 1, got '" + label + "'");
                }
            }));
        }, items::size);
        return nonEmpty(file, items);
    }

    private static List<McItem> mmlu(Path dir, int n) {
        if (!Files.isDirectory(dir)) {
            throw new DataFormatException(dir, "not found: MMLU expects a folder of <subject>_test.csv files there");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith("_test.csv")).sorted().toList();
        } catch (IOException e) {
            throw new DataFormatException(dir, "cannot be listed: " + e.getMessage());
        }
        if (files.isEmpty()) {
            throw new DataFormatException(dir, "holds no <subject>_test.csv files");
        }
        List<List<McItem>> subjects = new ArrayList<>();
        for (Path f : files) {
            subjects.add(mmluSubject(f, n)); // round-robin: a subject may give up to n when others run out
        }
        List<McItem> items = new ArrayList<>(n);
        for (int round = 0; items.size() < n; round++) {
            boolean any = false;
            for (List<McItem> subject : subjects) {
                if (round < subject.size() && items.size() < n) {
                    items.add(subject.get(round));
                    any = true;
                }
            }
            if (!any) {
                break;
            }
        }
        return items;
    }

    private static List<McItem> mmluSubject(Path file, int n) {
        String name = file.getFileName().toString();
        String subject = name.substring(0, name.length() - "_test.csv".length());
        List<List<String>> rows;
        try {
            rows = Csv.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new DataFormatException(file, "cannot be read: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new DataFormatException(file, e.getMessage());
        }
        if (rows.isEmpty() || !rows.get(0).equals(MMLU_HEADER)) {
            throw new DataFormatException(file, "must start with the header " + String.join(",", MMLU_HEADER)
                    + (rows.isEmpty() ? " but is empty" : " but starts with " + String.join(",", rows.get(0))));
        }
        List<McItem> items = new ArrayList<>();
        for (int r = 1; r < rows.size() && items.size() < n; r++) {
            List<String> row = rows.get(r);
            items.add(formatted(file, r, 0, () -> PromptFormats.mmlu(subject, row)));
        }
        return nonEmpty(file, items);
    }

    private interface LineHandler {
        void accept(int line, String text);
    }

    /** Feeds non-blank lines (1-based numbers) to {@code handler} until {@code count} reaches {@code n}. */
    private static void forLines(Path file, int n, LineHandler handler, java.util.function.IntSupplier count) {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String text;
            int line = 0;
            while (count.getAsInt() < n && (text = r.readLine()) != null) {
                line++;
                if (!text.isBlank()) {
                    handler.accept(line, text);
                }
            }
        } catch (NoSuchFileException e) {
            throw new DataFormatException(file,
                    "not found; the eval data folder should hold it (see its INVENTORY.md)");
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new DataFormatException(file, "is not valid UTF-8");
        } catch (IOException e) {
            throw new DataFormatException(file, "cannot be read: " + e.getMessage());
        }
    }

    private static JsonNode parseLine(Path file, int record, int line, String text) {
        try {
            JsonNode node = LINE.readTree(text);
            if (node == null || !node.isObject()) {
                throw new DataFormatException(file, record, line, "is not a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new DataFormatException(file, record, line, "is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static McItem formatted(Path file, int record, int line, java.util.function.Supplier<McItem> format) {
        try {
            return format.get();
        } catch (DataFormatException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new DataFormatException(file, record, line, e.getMessage());
        }
    }

    private static List<McItem> nonEmpty(Path file, List<McItem> items) {
        if (items.isEmpty()) {
            throw new DataFormatException(file, "holds no items");
        }
        return items;
    }

}
