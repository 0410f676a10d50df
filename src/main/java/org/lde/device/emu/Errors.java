package org.lde.device.emu;

import org.lde.device.DeviceException;

/** Builds a decode-time error naming the instruction and its PTX/source line. */
interface Errors {
    DeviceException err(String message);

    default DeviceException unsupported(String what) {
        return err("unsupported " + what);
    }

    /** Resolves a source operand to a register-file base. */
    interface Src {
        int src(Ast.Opnd o, PtxType t);
    }
}
