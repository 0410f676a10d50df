package org.lde.device.emu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.lde.device.DeviceException;
import org.lde.device.Kernel;
import org.lde.device.Module;

/**
 * A PTX module loaded into the emulator: parsed and decoded once; its {@code .global} variables are
 * allocations of the device (initialised from their initialisers, zero otherwise) and its
 * {@code .const} variables form one read-only bank.
 */
final class EmuModule implements Module {
    private final String name;
    private final Map<String, EmuKernel> kernels = new LinkedHashMap<>();
    private final List<GlobalMemory.Allocation> globals = new ArrayList<>();
    private final GlobalMemory memory;
    private final String version;
    boolean closed;

    EmuModule(String name, String ptx, GlobalMemory memory) {
        this.name = name;
        this.memory = memory;
        Ast.Module ast = PtxParser.parse(name, ptx);
        this.version = ast.version;
        Decoder.ModuleSymbols ms = new Decoder.ModuleSymbols();
        ms.files.putAll(ast.files);
        ms.funcs.putAll(ast.funcs);
        long constBytes = 0;
        for (Ast.VarDecl v : ast.vars) {
            if (v.space().equals("const")) {
                if (v.count() < 0) {
                    throw new DeviceException(name + ": PTX line " + v.line() + ": .const variable " + v.name() + " needs a size");
                }
                constBytes = (constBytes + v.align() - 1) / v.align() * v.align();
                ms.constOffset.put(v.name(), (int) constBytes);
                constBytes += v.bytes();
            }
        }
        if (constBytes > 64 * 1024) {
            throw new DeviceException(name + ": " + constBytes + " bytes of .const data exceed the 64 KiB constant bank");
        }
        ms.constBank = new byte[(int) constBytes];
        try {
            for (Ast.VarDecl v : ast.vars) {
                switch (v.space()) {
                    case "const":
                        if (v.init() != null) {
                            System.arraycopy(v.init(), 0, ms.constBank, ms.constOffset.get(v.name()), v.init().length);
                        }
                        break;
                    case "global": {
                        if (v.count() < 0) {
                            throw new DeviceException(name + ": PTX line " + v.line() + ": .global variable " + v.name() + " needs a size");
                        }
                        GlobalMemory.Allocation a = memory.allocateZeroed(Math.max(1, v.bytes()), "global variable " + v.name() + " of module " + name);
                        globals.add(a);
                        if (v.init() != null) {
                            System.arraycopy(v.init(), 0, a.data, 0, v.init().length);
                        }
                        ms.globalAddress.put(v.name(), a.base);
                        break;
                    }
                    default:
                        ms.moduleShared.add(v);
                        break;
                }
            }
            for (Ast.Function f : ast.entries.values()) {
                kernels.put(f.name, new EmuKernel(this, Decoder.decode(name, f, ms)));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public String name() {
        return name;
    }

    /** The {@code .version} the PTX text declared. */
    String version() {
        return version;
    }

    @Override
    public Kernel kernel(String kernelName) {
        if (closed) {
            throw new DeviceException("module " + name + " is closed");
        }
        EmuKernel k = kernels.get(kernelName);
        if (k == null) {
            throw new DeviceException("module " + name + " has no entry " + kernelName + "; its entries are " + kernels.keySet());
        }
        return k;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            for (GlobalMemory.Allocation a : globals) {
                memory.free(a);
            }
        }
    }

    @Override
    public String toString() {
        return "EmuModule[" + name + ", entries " + kernels.keySet() + "]";
    }
}
