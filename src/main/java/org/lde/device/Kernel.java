package org.lde.device;

/** An entry point ({@code .entry}) of a loaded module. */
public interface Kernel {
    String name();

    Module module();
}
