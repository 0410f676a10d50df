package org.lde.model;

/**
 * A model file (or stream, or classpath resource) whose content is not a valid LDE model. The
 * message always starts with {@code model file '<source>': } followed by the problem, e.g. the
 * tensor name, the expected and actual shapes, or the offending value. Nothing is returned when
 * this is thrown: a model is either loaded completely or not at all.
 *
 * <p>It extends {@link IllegalArgumentException} because a bad file is bad input, so callers that
 * report bad input (the CLI) catch it together with other argument errors. Failures of the
 * underlying I/O (no such file, permission denied) are {@link java.io.UncheckedIOException}s.
 */
public final class ModelFileException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final String problem;

    public ModelFileException(String source, String problem) {
        super("model file '" + source + "': " + problem);
        this.source = source;
        this.problem = problem;
    }

    public ModelFileException(String source, String problem, Throwable cause) {
        super("model file '" + source + "': " + problem, cause);
        this.source = source;
        this.problem = problem;
    }

    /** The file path, stream name or resource path given to the reader. */
    public String source() {
        return source;
    }

    /** The problem alone, without the {@code model file '...'} prefix. */
    public String problem() {
        return problem;
    }
}
