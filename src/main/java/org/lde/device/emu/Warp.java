package org.lde.device.emu;

/**
 * The state of one warp of an emulated block: 32 lanes of registers held as structure of arrays
 * ({@code r[slot * 32 + lane]}, raw bits in a long), a program counter per lane, and lane masks.
 */
final class Warp {
    final int index;
    final long[] r;
    final int[] pc = new int[32];
    /** Lanes that exist in the block and have not exited. */
    int live;
    /** Lanes waiting at a block barrier. */
    int waiting;
    /** Lanes that existed in the block and have exited. */
    int exited;
    /** bar.warp.sync instructions this warp has executed in the block (the hazard detector's warp clock). */
    int syncs;

    Warp(int index, int slots) {
        this.index = index;
        this.r = new long[slots * 32];
    }
}
