package dev.llmvax.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/** What the commands that write output folders share: the input-model guard, checkpoints, provenance. */
final class CommandSupport {
    private CommandSupport() {}

    /** Refuses an output folder inside the input model (or one that contains it): inputs are never written. */
    static void refuseOverlap(Path out, Path model) {
        Path in = model.toAbsolutePath().normalize();
        Path target = out.toAbsolutePath().normalize();
        if (target.startsWith(in) || in.startsWith(target)) {
            throw new UserError("--out " + out + " overlaps the input model " + model
                    + "; llmvax never writes into an input model, choose a folder elsewhere");
        }
    }

    /**
     * The resumable-checkpoint folder of a training command writing {@code out}: a hidden sibling kept until the
     * output is in place.
     *
     * @throws UserError when an earlier run left checkpoints there and {@code resume} is false
     */
    static Path checkpointsFor(Path out, boolean resume) {
        Path target = out.toAbsolutePath().normalize();
        Path checkpoints = target.resolveSibling("." + target.getFileName() + ".llmvax-checkpoints");
        if (!resume && Files.exists(checkpoints)) {
            throw new UserError("checkpoints of an earlier run lie in " + checkpoints + "; pass --resume to continue "
                    + "it, or delete that folder to start over");
        }
        return checkpoints;
    }

    /** The command line as the user typed it, for provenance. */
    static List<String> commandLine(CommandSpec spec) {
        List<String> c = new ArrayList<>(List.of("llmvax"));
        c.addAll(spec.commandLine().getParseResult().originalArgs());
        return c;
    }
}
