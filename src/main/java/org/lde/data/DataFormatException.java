package org.lde.data;

/**
 * A data file (or a data-set specification) that does not have the expected format. The message
 * always names the file and, where it applies, the line, column, field, index and offending value.
 * Readers throw it before they return anything, so a failed read changes nothing.
 */
public final class DataFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DataFormatException(String message) {
        super(message);
    }

    public DataFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
