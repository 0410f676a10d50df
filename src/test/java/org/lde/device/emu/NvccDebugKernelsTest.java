package org.lde.device.emu;

/**
 * The nvcc kernel tests again, on the {@code -G} builds: unoptimised code in which library and
 * user device functions are real {@code .func} bodies reached by {@code call} with {@code .param}
 * call frames (inlined by the decoder), plus large {@code .section} debug blocks.
 */
class NvccDebugKernelsTest extends NvccKernelsTest {
    @Override
    String ptx(String name) {
        return TestPtx.resource(name.replace(".ptx", ".debug.ptx"));
    }

    @Override
    boolean optimized() {
        return false;
    }
}
