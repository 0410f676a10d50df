package org.lde.device.emu;

import java.util.List;

/** A kernel decoded once at module load: executable instructions and the layout of its state spaces. */
final class DecodedKernel {
    // special registers whose value differs per thread/block (computed at block start)
    static final int TID_X = 0, TID_Y = 1, TID_Z = 2, NTID_X = 3, NTID_Y = 4, NTID_Z = 5;
    static final int CTAID_X = 6, CTAID_Y = 7, CTAID_Z = 8, NCTAID_X = 9, NCTAID_Y = 10, NCTAID_Z = 11;
    static final int LANEID = 12, WARPID = 13, NWARPID = 14, LANEMASK_EQ = 15, LANEMASK_LT = 16;
    static final int LANEMASK_LE = 17, LANEMASK_GT = 18, LANEMASK_GE = 19, SMID = 20, NSMID = 21, GRIDID = 22;
    static final int DYN_SMEM = 23, TOTAL_SMEM = 24;

    final String name;
    final String moduleName;
    Insn[] code;
    int slots;
    int[] constSlot;
    long[] constValue;
    int[] specialSlot;
    int[] specialKind;
    List<Ast.ParamDecl> params;
    int[] paramOffset;
    int paramBytes;
    int staticShared;
    /** Offset of dynamic (extern) shared memory, or -1 when the kernel declares none. */
    int dynSharedOffset = -1;
    int localBytes;
    int[] reqntid;
    int[] maxntid;
    byte[] constBank;

    DecodedKernel(String moduleName, String name) {
        this.moduleName = moduleName;
        this.name = name;
    }
}
