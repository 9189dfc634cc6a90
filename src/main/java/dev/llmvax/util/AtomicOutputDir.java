package dev.llmvax.util;

import dev.llmvax.cli.UserError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * An output folder that appears all at once or not at all.
 *
 * <p>Work is written into a hidden sibling {@code .<name>.tmp-<random>} in the same parent folder
 * (so the final rename stays on one file system and is atomic); {@link #commit()} renames it into
 * place. Closing without a commit deletes the temporary folder, so a failed or interrupted command
 * leaves nothing half-written:
 *
 * <pre>{@code
 * try (AtomicOutputDir out = AtomicOutputDir.create(outDir, overwrite)) {
 *     write(out.tmp().resolve("model.safetensors"));
 *     out.commit();
 * }
 * }</pre>
 *
 * <p>An existing non-empty folder is never replaced unless the command offers {@code --overwrite}
 * and the user passed it; then the old folder is moved aside, the new one renamed into place, and
 * only then is the old one deleted.
 */
public final class AtomicOutputDir implements AutoCloseable {

    private final Path finalDir; // absolute
    private final boolean overwrite;
    private final Path tmp;
    private boolean committed;

    private AtomicOutputDir(Path finalDir, boolean overwrite, Path tmp) {
        this.finalDir = finalDir;
        this.overwrite = overwrite;
        this.tmp = tmp;
    }

    /**
     * Checks that {@code finalDir} may be written and creates the temporary folder beside it.
     *
     * @param overwrite true only when the user passed {@code --overwrite} to a command that offers it
     * @throws UserError if {@code finalDir} is a file, or a non-empty folder and {@code overwrite} is false
     */
    public static AtomicOutputDir create(Path finalDir, boolean overwrite) throws IOException {
        Path dir = finalDir.toAbsolutePath().normalize();
        if (dir.getParent() == null) {
            throw new UserError("cannot use the file system root as an output folder; choose another --out");
        }
        checkWritable(dir, overwrite);
        Files.createDirectories(dir.getParent());
        Path tmp = Files.createTempDirectory(dir.getParent(), "." + dir.getFileName() + ".tmp-");
        PendingOutputs.register(tmp); // removed even when Ctrl-C or SIGTERM stops the JVM
        try {
            ordinaryPermissions(tmp, "rwxr-xr-x"); // temp dirs are created 700; the result is a normal folder
        } catch (IOException | RuntimeException e) {
            PendingOutputs.discard(tmp);
            throw e;
        }
        return new AtomicOutputDir(dir, overwrite, tmp);
    }

    /** The temporary folder to write into; it becomes {@link #finalDir()} on {@link #commit()}. */
    public Path tmp() {
        return tmp;
    }

    /** The folder the output will have once committed. */
    public Path finalDir() {
        return finalDir;
    }

    /**
     * Renames the temporary folder into place and returns the final folder.
     *
     * @throws UserError if a non-empty folder appeared at the final path meanwhile (without overwrite)
     */
    public Path commit() throws IOException {
        if (committed) {
            throw new IllegalStateException("already committed: " + finalDir);
        }
        PendingOutputs.release(tmp, this::moveIntoPlace);
        return finalDir;
    }

    private void moveIntoPlace() throws IOException {
        checkWritable(finalDir, overwrite); // something may have appeared since create()
        if (Files.isDirectory(finalDir, LinkOption.NOFOLLOW_LINKS) && isEmpty(finalDir)) {
            Files.delete(finalDir);
        }
        if (Files.exists(finalDir, LinkOption.NOFOLLOW_LINKS)) { // non-empty, and overwrite was given
            Path old = Files.createTempDirectory(finalDir.getParent(), "." + finalDir.getFileName() + ".old-");
            Files.delete(old); // only the fresh unique name is wanted
            Files.move(finalDir, old, StandardCopyOption.ATOMIC_MOVE);
            try {
                Files.move(tmp, finalDir, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                try {
                    Files.move(old, finalDir, StandardCopyOption.ATOMIC_MOVE); // put the old output back
                } catch (IOException restore) {
                    e.addSuppressed(restore);
                }
                throw e;
            }
            committed = true;
            deleteRecursively(old);
        } else {
            Files.move(tmp, finalDir, StandardCopyOption.ATOMIC_MOVE);
            committed = true;
        }
    }

    /** Deletes the temporary folder unless {@link #commit()} succeeded. */
    @Override
    public void close() {
        if (committed) {
            return;
        }
        try {
            PendingOutputs.discard(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove the temporary output folder " + tmp, e);
        }
    }

    /** {@link #writeAtomically(Path, boolean, IOConsumer)} that refuses to replace an existing file. */
    public static void writeAtomically(Path file, IOConsumer<Path> writer) throws IOException {
        writeAtomically(file, false, writer);
    }

    /**
     * Writes one file atomically: {@code writer} fills a temporary file in the same folder, which is
     * flushed to disk and renamed to {@code file}. If the writer throws, the temporary file is
     * deleted and {@code file} is left as it was.
     *
     * @param replace whether an existing {@code file} may be replaced
     * @throws UserError if {@code file} exists and {@code replace} is false
     */
    public static void writeAtomically(Path file, boolean replace, IOConsumer<Path> writer) throws IOException {
        Path target = file.toAbsolutePath().normalize();
        if (!replace && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new UserError("file " + file + " exists; choose another name or remove it first");
        }
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".tmp-", "");
        PendingOutputs.register(tmp);
        boolean moved = false;
        try {
            ordinaryPermissions(tmp, "rw-r--r--"); // temp files are created 600; the result is a normal file
            writer.accept(tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            PendingOutputs.release(tmp, () -> {
                if (!replace && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new UserError("file " + file + " appeared while it was being written; nothing was replaced");
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            });
            moved = true;
        } finally {
            if (!moved) {
                PendingOutputs.discard(tmp);
            }
        }
    }

    /** Deletes a file or a folder tree; symbolic links are removed, not followed. Missing is fine. */
    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void checkWritable(Path dir, boolean overwrite) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new UserError("output folder " + dir + " exists and is a file; choose another --out");
        }
        if (!overwrite && !isEmpty(dir)) {
            throw new UserError("output folder " + dir
                    + " exists and is not empty; choose another --out or pass --overwrite");
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        } catch (NoSuchFileException e) {
            return true;
        }
    }

    /** Gives a temp path the permissions a plain mkdir or file write would (where the file system has them). */
    private static void ordinaryPermissions(Path p, String perms) throws IOException {
        if (p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(perms));
        }
    }
}
