package org.lde.device.emu;

/**
 * A decoded PTX instruction. {@link #exec} runs it for the lanes of a warp in {@code em} (the lanes
 * at this instruction whose guard predicate holds); ordinary instructions then advance those lanes'
 * program counters, control instructions ({@link #isControl()}) set them themselves.
 */
abstract class Insn {
    /** The opcode as written, e.g. {@code "fma.rn.f32"} (the profile's key). */
    final String opcode;
    /** Where it came from: PTX line and source line, e.g. {@code "PTX line 47, relu.cu:4"}. */
    String site = "";
    /** Register-file base index (slot * 32) of the guard predicate, or -1. */
    int guard = -1;
    boolean guardNegated;
    /** Floating-point operations per executing thread (fma = 2). */
    int flops;
    /** Position in the code array. */
    int pc;

    Insn(String opcode) {
        this.opcode = opcode;
    }

    boolean isControl() {
        return false;
    }

    /** Executes for the lanes in {@code em}. */
    abstract void exec(Launch x, Warp w, int em);

    /**
     * For control instructions: {@code mask} are the lanes at this instruction, {@code em} those whose
     * guard holds. Must set the program counter of every lane in {@code mask}.
     */
    void control(Launch x, Warp w, int mask, int em) {
        throw new IllegalStateException(opcode + " is not a control instruction");
    }
}
