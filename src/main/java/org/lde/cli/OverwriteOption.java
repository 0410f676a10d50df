package org.lde.cli;

import picocli.CommandLine.Option;

/** {@code --overwrite}: one meaning in every command that writes a folder (explain, demo, evaluate, certify, attack). */
final class OverwriteOption {
    @Option(names = "--overwrite", description = "replace what an earlier run wrote into --out (the new folder is written "
            + "beside it and renamed into place when complete, then the old one is deleted; files this command does not "
            + "write are kept, in a folder an lde run wrote); without it a non-empty --out is refused")
    boolean overwrite;
}
