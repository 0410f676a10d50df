package org.lde.device;

/** A loaded PTX module. Closing it unloads it. */
public interface Module extends AutoCloseable {
    String name();

    /** The entry point {@code kernelName}; throws naming the module and the entries it has if absent. */
    Kernel kernel(String kernelName);

    @Override
    void close();
}
