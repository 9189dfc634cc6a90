package dev.llmvax.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.cli.UserError;
import dev.llmvax.util.AtomicOutputDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the PyTorch eager reference scripts ({@code ../shared/tools/torch_reference_*.py}), the
 * yardstick llmvax's benchmarks are compared against in the same run on the same machine.
 *
 * <p>The scripts need a Python venv with {@code torch==2.13.0}, installed with {@code --no-deps}
 * from the CPU wheel that pip finds on this machine's disk through its configured find-links (no
 * network). {@link #ensureVenv} creates it once, by default under
 * {@code ~/.cache/llmvax/torchref}, and marks it complete with {@value #MARKER}; a venv without the
 * marker (an interrupted install) is rebuilt.
 */
public final class TorchReference {

    public static final String TORCH_REQUIREMENT = "torch==2.13.0";
    /**
     * What pip installs, all with {@code --no-deps}. The scripts' docstrings install torch alone,
     * but then {@code import torch} fails with "No module named 'typing_extensions'" (measured with
     * torch 2.13.0+cpu); typing_extensions is pure Python with no dependencies of its own.
     */
    static final List<String> PACKAGES = List.of(TORCH_REQUIREMENT, "typing_extensions", "sympy", "mpmath");
    static final String MARKER = ".llmvax-torchref-ok";
    private static final Duration PIP_TIMEOUT = Duration.ofMinutes(20);
    private static final int TAIL_LINES = 30;
    private static final ObjectMapper JSON = new ObjectMapper();

    private TorchReference() {}

    /** {@code $XDG_CACHE_HOME/llmvax/torchref}, or {@code ~/.cache/llmvax/torchref}. */
    public static Path defaultVenvDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("llmvax").resolve("torchref");
    }

    /** The reference script {@code name} in {@code <llmvax.shared>/tools} (default {@code ../shared}). */
    public static Path script(String name) {
        // -Dllmvax.shared wins; else ../shared beside the checkout the launcher runs from; else beside the cwd.
        String home = System.getProperty("llmvax.home");
        Path shared = Path.of(System.getProperty("llmvax.shared",
                home != null ? Path.of(home).resolveSibling("shared").toString() : "../shared"));
        Path script = shared.resolve("tools").resolve(name);
        if (!Files.isRegularFile(script)) {
            throw new UserError("reference script " + script.toAbsolutePath().normalize()
                    + " not found; run from the llmvax folder with ../shared beside it, or set -Dllmvax.shared=DIR");
        }
        return script;
    }

    /**
     * Returns {@code venvDir}, creating the venv and installing torch into it first if needed.
     *
     * @param log receives status lines ("creating ...", "installed ... in 52 s")
     * @throws UserError if python3 is missing, the venv cannot be made, or pip cannot install torch
     *                   (with the tail of pip's output)
     */
    public static Path ensureVenv(Path venvDir, Consumer<String> log) {
        Path venv = venvDir.toAbsolutePath().normalize();
        if (Files.isRegularFile(venv.resolve(MARKER)) && Files.isExecutable(python(venv)) && markerMatches(venv)) {
            return venv;
        }
        try {
            if (Files.exists(venv)) {
                if (Files.isRegularFile(venv.resolve(MARKER))) {
                    log.accept("the torch reference venv " + venv + " predates the packages " + String.join(" ",
                            PACKAGES) + "; rebuilding it");
                } else if (!Files.isRegularFile(venv.resolve("pyvenv.cfg")) && !isEmptyDir(venv)) {
                    throw new UserError("folder " + venv + " exists but is not a Python venv; remove it or choose another folder");
                }
                log.accept("removing incomplete torch reference venv " + venv);
                AtomicOutputDir.deleteRecursively(venv);
            }
            long start = System.nanoTime();
            log.accept("creating the torch reference venv in " + venv + " (once; installs " + TORCH_REQUIREMENT + " from the local wheel)");
            Files.createDirectories(venv.getParent());
            boolean done = false;
            try {
                Result mk = exec(List.of("python3", "-m", "venv", venv.toString()), PIP_TIMEOUT, "python3 -m venv");
                if (mk.exit != 0) {
                    throw new UserError("python3 -m venv " + venv + " failed (exit " + mk.exit
                            + "); on Debian install python3-venv.\n" + mk.tail());
                }
                List<String> pipInstall = new ArrayList<>(List.of(python(venv).toString(), "-m", "pip", "install",
                        "--no-deps", "--disable-pip-version-check"));
                pipInstall.addAll(PACKAGES);
                Result pip = exec(pipInstall, PIP_TIMEOUT, "pip install");
                if (pip.exit != 0) {
                    throw new UserError("pip could not install " + String.join(" ", PACKAGES) + " into " + venv
                            + " (exit " + pip.exit + "); the CPU wheel must be in a folder listed as find-links in"
                            + " pip's configuration (pip config list). pip said:\n" + pip.tail());
                }
                // AdamW's constructor imports torch._dynamo, which needs sympy: check what the scripts use
                Result check = exec(List.of(python(venv).toString(), "-c", "import torch; torch.optim.AdamW("
                                + "[torch.zeros(1, requires_grad=True)]); print(torch.__version__)"),
                        Duration.ofMinutes(2), "import torch");
                if (check.exit != 0) {
                    throw new UserError("torch was installed into " + venv + " but does not import:\n" + check.tail());
                }
                log.accept("installed torch " + check.stdout.getLast().strip());
                Files.writeString(venv.resolve(MARKER), String.join(" ", PACKAGES) + "\n");
                done = true;
            } finally {
                if (!done) {
                    AtomicOutputDir.deleteRecursively(venv); // nothing half-installed stays behind
                }
            }
            log.accept(String.format("torch reference venv ready in %.0f s", (System.nanoTime() - start) / 1e9));
            return venv;
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the torch reference venv " + venv, e);
        }
    }

    /** Whether the venv was made for the current {@link #PACKAGES}. */
    private static boolean markerMatches(Path venv) {
        try {
            return Files.readString(venv.resolve(MARKER)).strip().equals(String.join(" ", PACKAGES));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Runs {@code script} with the venv's Python and returns every stdout line that is a JSON object
     * (other lines are ignored).
     *
     * @throws UserError if the script exits non-zero (with the tail of its stderr) or runs past {@code timeout}
     */
    public static List<JsonNode> run(Path venv, Path script, List<String> args, Duration timeout) {
        if (!Files.isRegularFile(script)) {
            throw new UserError("no such script: " + script);
        }
        Path python = python(venv.toAbsolutePath());
        if (!Files.isExecutable(python)) {
            throw new UserError("no Python in " + venv + " (expected " + python + "); create the venv first");
        }
        List<String> command = new ArrayList<>(List.of(python.toString(), script.toString()));
        command.addAll(args);
        String name = script.getFileName().toString();
        Result r = exec(command, timeout, name);
        if (r.exit != 0) {
            throw new UserError(name + " failed (exit " + r.exit + "); its stderr ends with:\n" + r.tail());
        }
        List<JsonNode> objects = new ArrayList<>();
        for (String line : r.stdout) {
            String t = line.strip();
            if (t.startsWith("{")) {
                try {
                    JsonNode node = JSON.readTree(t);
                    if (node.isObject()) {
                        objects.add(node);
                    }
                } catch (JsonProcessingException e) {
                    // a log line that happens to start with '{': not a result
                }
            }
        }
        return objects;
    }

    static Path python(Path venv) {
        return venv.resolve("bin").resolve("python");
    }

    /** Exit code, stdout in full, and the last lines of stderr (of stdout when stderr was empty). */
    private record Result(int exit, List<String> stdout, Deque<String> errTail) {
        String tail() {
            return String.join("\n", errTail);
        }
    }

    /** Runs a process, reading stdout and stderr concurrently, killing it after {@code timeout}. */
    private static Result exec(List<String> command, Duration timeout, String what) {
        Process p;
        try {
            p = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new UserError("cannot run " + command.getFirst() + " (" + e.getMessage() + ")"
                    + (command.getFirst().equals("python3") ? "; install Python 3 with venv support (python3, python3-venv)" : ""), e);
        }
        try {
            p.getOutputStream().close(); // the scripts read no input
            List<String> stdout = new ArrayList<>();
            Deque<String> errTail = new ArrayDeque<>();
            Thread errReader = Thread.ofVirtual().start(() -> readLines(p.getErrorStream(), line -> {
                synchronized (errTail) {
                    if (errTail.size() == TAIL_LINES) {
                        errTail.removeFirst();
                    }
                    errTail.addLast(line);
                }
            }));
            Thread outReader = Thread.ofVirtual().start(() -> readLines(p.getInputStream(), stdout::add));
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
                throw new UserError(what + " ran past its time limit of " + timeout.toSeconds() + " s and was stopped");
            }
            outReader.join();
            errReader.join();
            // pip prints its diagnosis on stdout, a script its traceback on stderr: the tail shows both
            if (errTail.isEmpty()) {
                stdout.subList(Math.max(0, stdout.size() - TAIL_LINES), stdout.size()).forEach(errTail::addLast);
            }
            return new Result(p.exitValue(), stdout, errTail);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while running " + what, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void readLines(InputStream in, Consumer<String> sink) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                sink.accept(line);
            }
        } catch (IOException e) {
            // the process died; its exit code tells the story
        }
    }

    private static boolean isEmptyDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
