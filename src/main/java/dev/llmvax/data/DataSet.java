package dev.llmvax.data;

import dev.llmvax.util.Hashing;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Instruction data read from one or more files, in file order, with each file's SHA-256 for provenance.
 *
 * @param files   the files, in the order given (a file given twice is read twice)
 * @param samples every record of every file, in order
 */
public record DataSet(List<DataFile> files, List<Sample> samples) {

    private static final long MAX_BYTES = 1L << 30; // a file is read whole: Dolly-15k is 13 MB

    public DataSet {
        files = List.copyOf(files);
        samples = List.copyOf(samples);
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("a data set needs at least one record");
        }
    }

    /**
     * Training data: every record needs a string {@code instruction} and {@code output}.
     *
     * @throws DataFormatException naming the file (and record) for a missing, unreadable, empty or
     *                             malformed file
     * @throws IllegalArgumentException when no file is given
     */
    public static DataSet load(List<Path> files) {
        return read(files, false);
    }

    /** {@link #load(List)} of the given files. */
    public static DataSet load(Path... files) {
        return load(List.of(files));
    }

    /**
     * Evaluation prompts: as {@link #load(List)}, but {@code output} may be missing or null (read as "")
     * or a number or boolean (read as its text). BackdoorLLM's SST-2 poisoned test files carry the label
     * {@code 0} as a number there.
     */
    public static DataSet loadPrompts(List<Path> files) {
        return read(files, true);
    }

    private static DataSet read(List<Path> paths, boolean promptsOnly) {
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("no data files given; " + DataReader.EXPECTED);
        }
        List<DataFile> files = new ArrayList<>();
        List<Sample> samples = new ArrayList<>();
        for (Path path : paths) {
            byte[] bytes = bytes(path);
            DataReader.Parsed parsed = DataReader.parse(path, bytes, promptsOnly);
            // Hash the very bytes parsed, so the digest describes exactly what was trained on.
            files.add(new DataFile(path, Hashing.sha256(bytes), parsed.format(), parsed.samples().size()));
            samples.addAll(parsed.samples());
        }
        return new DataSet(files, samples);
    }

    private static byte[] bytes(Path path) {
        if (Files.isDirectory(path)) {
            throw new DataFormatException(path, "is a folder; give the data files in it (.json or .jsonl) instead");
        }
        try {
            if (Files.size(path) > MAX_BYTES) {
                throw new DataFormatException(path, "is over 1 GiB; split it into several files");
            }
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new DataFormatException(path, 0, 0, "no such file; check the path", e);
        } catch (AccessDeniedException e) {
            throw new DataFormatException(path, 0, 0, "permission denied; make the file readable", e);
        } catch (IOException e) {
            throw new DataFormatException(path, 0, 0, "cannot be read: " + e, e);
        }
    }

    /** Number of samples. */
    public int size() {
        return samples.size();
    }

    /** The samples of the {@code i}-th file (0-based), e.g. to tell poisoned from clean records. */
    public List<Sample> samplesOf(int i) {
        int from = 0;
        for (int f = 0; f < i; f++) {
            from += files.get(f).records();
        }
        return samples.subList(from, from + files.get(i).records());
    }
}
