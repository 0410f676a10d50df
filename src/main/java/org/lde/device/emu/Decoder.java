package org.lde.device.emu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.lde.device.DeviceException;
import org.lde.device.emu.Insns.Op1;
import org.lde.device.emu.Insns.Op2;
import org.lde.device.emu.Insns.Op3;

/**
 * Decodes one {@code .entry} (with every {@code .func} it calls inlined) into executable instructions,
 * once, at module load. Every operand becomes
 * a register-file slot: immediates, symbol addresses and special registers get constant slots that are
 * filled when a block starts, so instructions never look at text or maps while running. Any opcode,
 * qualifier or operand form not implemented is rejected here with the PTX line and the CUDA source line.
 */
final class Decoder {

    /** Module-wide symbols: addresses of .global variables, offsets into the const bank, shared vars. */
    static final class ModuleSymbols {
        final Map<String, Long> globalAddress = new HashMap<>();
        final Map<String, Integer> constOffset = new HashMap<>();
        byte[] constBank = new byte[0];
        final List<Ast.VarDecl> moduleShared = new ArrayList<>();
        final Map<String, Ast.Function> funcs = new HashMap<>();
        final Map<Integer, String> files = new HashMap<>();
    }

    /** A symbol's state space and address; {@code frameVar} marks call-frame (.param in a body) storage. */
    private record Sym(int space, long address, boolean frameVar) {
        Sym(int space, long address) {
            this(space, address, false);
        }
    }

    /**
     * One function body being decoded: the entry, or an inlined instance of a {@code .func} at a call
     * site. Its registers live at {@code slotBase + slot}; its names and labels are its own.
     */
    private static final class Frame {
        final Ast.Function fn;
        final Frame parent;
        final int slotBase;
        final Map<String, Sym> syms = new HashMap<>();
        final Map<String, Integer> labels = new HashMap<>();
        final Set<String> labelNames = new HashSet<>();
        final List<Insns.Bra> pending = new ArrayList<>();
        final List<String> pendingLabels = new ArrayList<>();
        final List<Insns.Bra> rets = new ArrayList<>();

        Frame(Ast.Function fn, Frame parent, int slotBase) {
            this.fn = fn;
            this.parent = parent;
            this.slotBase = slotBase;
        }
    }

    /** Maximum depth of inlined calls (a guard against runaway inlining). */
    static final int MAX_CALL_DEPTH = 16;
    /** Maximum decoded instructions of one kernel after inlining. */
    static final int MAX_CODE = 2_000_000;

    private final String moduleName;
    private final Ast.Function f;
    private final ModuleSymbols ms;
    private final DecodedKernel k;
    private final Map<String, Sym> moduleShared = new HashMap<>();
    private Frame fr;
    private long localTop;
    private final List<Insn> code = new ArrayList<>();
    private final Map<Long, Integer> constPool = new HashMap<>();
    private final Map<Integer, Integer> specialPool = new HashMap<>();
    private final List<Integer> constSlots = new ArrayList<>();
    private final List<Long> constValues = new ArrayList<>();
    private final List<Integer> specialSlots = new ArrayList<>();
    private final List<Integer> specialKinds = new ArrayList<>();
    private int nextSlot;
    private int sinkSlot = -1;
    private Ast.Instr cur;

    private Decoder(String moduleName, Ast.Function f, ModuleSymbols ms) {
        this.moduleName = moduleName;
        this.f = f;
        this.ms = ms;
        this.k = new DecodedKernel(moduleName, f.name);
        this.nextSlot = f.slots;
    }

    static DecodedKernel decode(String moduleName, Ast.Function f, ModuleSymbols ms) {
        return new Decoder(moduleName, f, ms).run();
    }

    private static long alignUp(long v, long a) {
        return (v + a - 1) / a * a;
    }

    private DecodedKernel run() {
        fr = new Frame(f, null, 0);
        // parameters
        long off = 0;
        k.params = List.copyOf(f.params);
        k.paramOffset = new int[f.params.size()];
        for (int i = 0; i < f.params.size(); i++) {
            Ast.ParamDecl pd = f.params.get(i);
            off = alignUp(off, pd.align());
            k.paramOffset[i] = (int) off;
            fr.syms.put(pd.name(), new Sym(Launch.PARAM, off));
            off += pd.bytes();
        }
        k.paramBytes = (int) off;
        // shared: module-level then function-level, extern (dynamic) after all static ones
        long sh = 0;
        int dynAlign = 0;
        List<Ast.VarDecl> dyn = new ArrayList<>();
        List<Ast.VarDecl> shared = new ArrayList<>(ms.moduleShared);
        for (Ast.VarDecl v : f.vars) {
            if (v.space().equals("shared")) {
                shared.add(v);
            }
        }
        for (Ast.VarDecl v : shared) {
            if (v.external() || v.count() < 0) {
                dyn.add(v);
                dynAlign = Math.max(dynAlign, v.align());
                continue;
            }
            if (v.init() != null) {
                throw new DeviceException(where(v.line()) + ": shared variable " + v.name() + " cannot have an initialiser");
            }
            sh = alignUp(sh, v.align());
            fr.syms.put(v.name(), new Sym(Launch.SHARED, sh));
            sh += v.bytes();
        }
        k.staticShared = (int) sh;
        if (!dyn.isEmpty()) {
            long d = alignUp(sh, Math.max(16, dynAlign));
            k.dynSharedOffset = (int) d;
            for (Ast.VarDecl v : dyn) {
                fr.syms.put(v.name(), new Sym(Launch.SHARED, d));
            }
        }
        for (Ast.VarDecl v : ms.moduleShared) {
            Sym sym = fr.syms.get(v.name());
            if (sym != null) {
                moduleShared.put(v.name(), sym);
            }
        }
        allocateLocals(fr);
        k.reqntid = f.reqntid;
        k.maxntid = f.maxntid;
        k.constBank = ms.constBank;
        decodeBody(fr);
        if (localTop > 512 * 1024) {
            throw new DeviceException(moduleName + ": kernel " + f.name + " needs " + localTop
                    + " bytes of local memory per thread (the limit is 512 KiB)");
        }
        k.localBytes = (int) localTop;
        k.code = code.toArray(new Insn[0]);
        k.slots = nextSlot;
        k.constSlot = constSlots.stream().mapToInt(Integer::intValue).toArray();
        k.constValue = constValues.stream().mapToLong(Long::longValue).toArray();
        k.specialSlot = specialSlots.stream().mapToInt(Integer::intValue).toArray();
        k.specialKind = specialKinds.stream().mapToInt(Integer::intValue).toArray();
        return k;
    }

    /** Local arrays and call-frame variables of a frame get per-thread local memory. */
    private void allocateLocals(Frame frame) {
        for (Ast.VarDecl v : frame.fn.vars) {
            boolean callFrame = v.space().equals("param");
            if (!callFrame && !v.space().equals("local")) {
                if (frame.parent != null) {
                    throw new DeviceException(where(v.line()) + ": ." + v.space() + " variable " + v.name()
                            + " inside device function " + frame.fn.name + " is not supported");
                }
                continue;
            }
            if (v.init() != null) {
                throw new DeviceException(where(v.line()) + ": " + v.space() + " variable " + v.name() + " cannot have an initialiser");
            }
            if (v.count() < 0) {
                throw new DeviceException(where(v.line()) + ": " + v.space() + " variable " + v.name() + " needs a size");
            }
            Sym prev = frame.syms.get(v.name());
            if (callFrame && prev != null && prev.frameVar()) {
                continue; // the same call-frame name in another { } block: blocks run one after another, share it
            }
            // call-frame names of sibling blocks may differ in size: reserve the largest
            long bytes = v.bytes();
            if (callFrame) {
                for (Ast.VarDecl o : frame.fn.vars) {
                    if (o.space().equals("param") && o.name().equals(v.name())) {
                        bytes = Math.max(bytes, o.bytes());
                    }
                }
            }
            localTop = alignUp(localTop, Math.max(v.align(), callFrame ? 16 : 1));
            frame.syms.put(v.name(), new Sym(Launch.LOCAL, localTop, callFrame));
            localTop += bytes;
        }
    }

    /** Decodes the statements of {@code frame}'s function into {@link #code}, inlining calls. */
    private void decodeBody(Frame frame) {
        Frame saved = fr;
        fr = frame;
        for (Ast.Stmt st : frame.fn.body) {
            if (st instanceof Ast.Label lb) {
                if (!frame.labelNames.add(lb.name())) {
                    throw new DeviceException(where(lb.line()) + ": label " + lb.name() + " defined twice");
                }
            }
        }
        for (Ast.Stmt st : frame.fn.body) {
            if (st instanceof Ast.Label lb) {
                frame.labels.put(lb.name(), code.size());
                continue;
            }
            Ast.Instr in = (Ast.Instr) st;
            cur = in;
            if (in.opcode().equals("call") || in.opcode().startsWith("call.")) {
                inlineCall(in);
                continue;
            }
            Insn x = decodeGuarded(in);
            add(x, in);
        }
        for (int i = 0; i < frame.pending.size(); i++) {
            frame.pending.get(i).target = frame.labels.get(frame.pendingLabels.get(i));
        }
        for (Insns.Bra r : frame.rets) {
            r.target = code.size(); // ret of an inlined function: continue after its body
        }
        fr = saved;
    }

    private void add(Insn x, Ast.Instr in) {
        if (code.size() >= MAX_CODE) {
            throw err("kernel exceeds " + MAX_CODE + " instructions after inlining calls");
        }
        x.pc = code.size();
        x.site = site(in.where());
        code.add(x);
    }

    /**
     * Inlines {@code call (rets), f, (args)}: f's body is decoded in place with fresh registers; its
     * parameters and results name the caller's call-frame variables (per-thread local memory, as the
     * caller's {@code st.param}/{@code ld.param} use them); its {@code ret} jumps past the body.
     */
    private void inlineCall(Ast.Instr in) {
        String op = in.opcode();
        for (String q : op.split("\\.")) {
            if (!q.equals("call") && !q.equals("uni")) {
                throw unsupported("qualifier ." + q + " on call");
            }
        }
        List<Ast.Opnd> ops = in.operands();
        if (!(ops.get(1) instanceof Ast.Name target)) {
            throw unsupported("indirect call through " + describe(ops.get(1)));
        }
        Ast.Function callee = ms.funcs.get(target.id());
        if (callee == null) {
            if (reg(ops.get(1)) != null) {
                throw unsupported("indirect call through register " + target.id());
            }
            throw err("call to unknown function " + target.id());
        }
        if (!callee.hasBody) {
            throw unsupported("call to " + target.id() + ", which has no body in this module (external functions such as"
                    + " vprintf/printf or malloc are not supported)");
        }
        int depth = 0;
        for (Frame x = fr; x != null; x = x.parent) {
            if (x.fn == callee) {
                throw unsupported("recursive call to " + callee.name);
            }
            depth++;
        }
        if (depth > MAX_CALL_DEPTH) {
            throw unsupported("call nesting deeper than " + MAX_CALL_DEPTH);
        }
        List<Ast.Opnd> rets = ((Ast.Vec) ops.get(0)).items();
        List<Ast.Opnd> args = ((Ast.Vec) ops.get(2)).items();
        if (rets.size() != callee.returns.size() || args.size() != callee.params.size()) {
            throw err("call of " + callee.name + " passes " + args.size() + " arguments and " + rets.size()
                    + " results but it takes " + callee.params.size() + " and returns " + callee.returns.size());
        }
        Frame frame = new Frame(callee, fr, nextSlot);
        nextSlot += callee.slots;
        bindFrameVars(frame, callee.params, args);
        bindFrameVars(frame, callee.returns, rets);
        Insns.Bra skip = null;
        if (in.guard() != null) {
            // @p call f: skip the inlined body where the guard is false
            skip = new Insns.Bra("call.skip", -1);
            Ast.RegDecl g = cur.scope().find(in.guard().id());
            if (g == null) {
                throw err("guard " + in.guard().id() + " is not a declared register");
            }
            checkPred(g, true);
            skip.guard = slotOf(g);
            skip.guardNegated = !in.guardNegated();
            add(skip, in);
        }
        add(new Insns.Nop(op), in); // the call itself, so the profile counts calls
        allocateLocals(frame);
        decodeBody(frame);
        cur = in;
        if (skip != null) {
            skip.target = code.size();
        }
    }

    private void bindFrameVars(Frame frame, List<Ast.ParamDecl> formals, List<Ast.Opnd> actuals) {
        for (int i = 0; i < formals.size(); i++) {
            Ast.Opnd a = actuals.get(i);
            Sym s = a instanceof Ast.Name n && n.offset() == 0 ? fr.syms.get(n.id()) : null;
            if (s == null || !s.frameVar()) {
                throw unsupported("call argument " + describe(a) + " (arguments and results must be .param variables of the calling block)");
            }
            frame.syms.put(formals.get(i).name(), s);
        }
    }

    // ------------------------------------------------------------------ messages

    private String where(int line) {
        return moduleName + ": kernel " + f.name + ": PTX line " + line;
    }

    private String site(Ast.Where w) {
        String s = "PTX line " + w.line();
        if (w.locFile() >= 0) {
            String file = ms.files.getOrDefault(w.locFile(), "file#" + w.locFile());
            int slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
            s += ", " + file.substring(slash + 1) + ":" + w.locLine();
        }
        return s;
    }

    private DeviceException err(String msg) {
        return new DeviceException(moduleName + ": kernel " + f.name + ": " + site(cur.where()) + ": " + msg
                + " in '" + cur.opcode() + "'");
    }

    private DeviceException unsupported(String what) {
        return err("unsupported " + what);
    }

    // ------------------------------------------------------------------ operands

    private int constSlot(long value) {
        Integer s = constPool.get(value);
        if (s == null) {
            s = nextSlot++;
            constPool.put(value, s);
            constSlots.add(s);
            constValues.add(value);
        }
        return s * 32;
    }

    private int specialSlot(int kind) {
        Integer s = specialPool.get(kind);
        if (s == null) {
            s = nextSlot++;
            specialPool.put(kind, s);
            specialSlots.add(s);
            specialKinds.add(kind);
        }
        return s * 32;
    }

    private static Integer specialKind(String id) {
        switch (id) {
            case "%tid.x": return DecodedKernel.TID_X;
            case "%tid.y": return DecodedKernel.TID_Y;
            case "%tid.z": return DecodedKernel.TID_Z;
            case "%ntid.x": return DecodedKernel.NTID_X;
            case "%ntid.y": return DecodedKernel.NTID_Y;
            case "%ntid.z": return DecodedKernel.NTID_Z;
            case "%ctaid.x": return DecodedKernel.CTAID_X;
            case "%ctaid.y": return DecodedKernel.CTAID_Y;
            case "%ctaid.z": return DecodedKernel.CTAID_Z;
            case "%nctaid.x": return DecodedKernel.NCTAID_X;
            case "%nctaid.y": return DecodedKernel.NCTAID_Y;
            case "%nctaid.z": return DecodedKernel.NCTAID_Z;
            case "%laneid": return DecodedKernel.LANEID;
            case "%warpid": return DecodedKernel.WARPID;
            case "%nwarpid": return DecodedKernel.NWARPID;
            case "%lanemask_eq": return DecodedKernel.LANEMASK_EQ;
            case "%lanemask_lt": return DecodedKernel.LANEMASK_LT;
            case "%lanemask_le": return DecodedKernel.LANEMASK_LE;
            case "%lanemask_gt": return DecodedKernel.LANEMASK_GT;
            case "%lanemask_ge": return DecodedKernel.LANEMASK_GE;
            case "%smid": return DecodedKernel.SMID;
            case "%nsmid": return DecodedKernel.NSMID;
            case "%gridid": return DecodedKernel.GRIDID;
            case "%dynamic_smem_size": return DecodedKernel.DYN_SMEM;
            case "%total_smem_size": return DecodedKernel.TOTAL_SMEM;
            default: return null;
        }
    }

    private Sym symbol(String name) {
        Sym s = fr.syms.get(name);
        if (s != null) {
            return s;
        }
        s = moduleShared.get(name);
        if (s != null) {
            return s;
        }
        Long g = ms.globalAddress.get(name);
        if (g != null) {
            return new Sym(Launch.GLOBAL, g);
        }
        Integer c = ms.constOffset.get(name);
        if (c != null) {
            return new Sym(Launch.CONST, c);
        }
        return null;
    }

    private Ast.RegDecl reg(Ast.Opnd o) {
        if (o instanceof Ast.Name n) {
            Ast.RegDecl rd = cur.scope().find(n.id());
            if (rd != null && n.offset() != 0) {
                throw err("register " + n.id() + " cannot take an offset outside [ ]");
            }
            return rd;
        }
        return null;
    }

    /** A source operand read as type {@code t}; returns its register-file base. */
    private int src(Ast.Opnd o, PtxType t) {
        if (o instanceof Ast.Name n) {
            Ast.RegDecl rd = reg(o);
            if (rd != null) {
                checkPred(rd, t == PtxType.PRED);
                return slotOf(rd);
            }
            Integer sp = specialKind(n.id());
            if (sp != null) {
                if (t == PtxType.PRED) {
                    throw err("special register " + n.id() + " used as a predicate");
                }
                return specialSlot(sp);
            }
            if (n.id().startsWith("%clock") || n.id().startsWith("%globaltimer")) {
                throw unsupported(n.id() + " outside mov");
            }
            Sym s = symbol(n.id());
            if (s != null) {
                return constSlot(s.address() + n.offset());
            }
            if (fr.labelNames.contains(n.id())) {
                throw err("label " + n.id() + " used as a value");
            }
            if (ms.funcs.containsKey(n.id())) {
                throw unsupported("use of device function " + n.id() + " (calls are not supported)");
            }
            throw err("unknown name " + n.id());
        }
        if (o instanceof Ast.Num num) {
            try {
                long v = Literals.bitsFor(t == PtxType.PRED ? PtxType.U32 : t, num.text(), num.negative(), cur.where().line());
                return constSlot(t == PtxType.PRED ? (v != 0 ? 1 : 0) : v);
            } catch (NumberFormatException e) {
                throw err("bad numeric literal '" + num.text() + "'");
            }
        }
        if (o instanceof Ast.Not) {
            throw err("negated operand is not allowed here");
        }
        throw err("unexpected operand form " + describe(o));
    }

    private static String describe(Ast.Opnd o) {
        if (o instanceof Ast.Vec) {
            return "vector { }";
        }
        if (o instanceof Ast.Addr) {
            return "address [ ]";
        }
        if (o instanceof Ast.Pair) {
            return "pair a|b";
        }
        if (o instanceof Ast.Sink) {
            return "sink _";
        }
        if (o instanceof Ast.Name n) {
            return n.id() + (n.offset() == 0 ? "" : (n.offset() > 0 ? "+" : "") + n.offset());
        }
        if (o instanceof Ast.Num num) {
            return (num.negative() ? "-" : "") + num.text();
        }
        if (o instanceof Ast.Not nt) {
            return "!" + describe(nt.inner());
        }
        return o.toString();
    }

    /** Register-file base of a register of the current frame. */
    private int slotOf(Ast.RegDecl rd) {
        return (fr.slotBase + rd.slot()) * 32;
    }

    private void checkPred(Ast.RegDecl rd, boolean wantPred) {
        if ((rd.type() == PtxType.PRED) != wantPred) {
            throw err("register " + rd.name() + " is ." + rd.type().ptx() + (wantPred ? " but a predicate is required"
                    : " but a non-predicate value is required"));
        }
    }

    /** A destination register (or the sink {@code _}); returns its register-file base. */
    private int dst(Ast.Opnd o, boolean pred) {
        if (o instanceof Ast.Sink) {
            if (sinkSlot < 0) {
                sinkSlot = nextSlot++;
            }
            return sinkSlot * 32;
        }
        Ast.RegDecl rd = reg(o);
        if (rd == null) {
            throw err("destination " + (o instanceof Ast.Name n ? n.id() : describe(o)) + " is not a declared register");
        }
        checkPred(rd, pred);
        return slotOf(rd);
    }

    private PtxType dstType(Ast.Opnd o) {
        Ast.RegDecl rd = reg(o);
        return rd == null ? null : rd.type();
    }

    private void arity(List<Ast.Opnd> ops, int n) {
        if (ops.size() != n) {
            throw err("expected " + n + " operands but found " + ops.size());
        }
    }

    // ------------------------------------------------------------------ qualifiers

    /** The dot-separated qualifiers of an opcode, consumed as they are understood. */
    private final class Quals {
        final List<String> q;

        Quals(String[] parts) {
            q = new ArrayList<>(Arrays.asList(parts).subList(1, parts.length));
        }

        boolean take(String s) {
            return q.remove(s);
        }

        String takeAny(String... options) {
            for (String o : options) {
                if (q.remove(o)) {
                    return o;
                }
            }
            return null;
        }

        int rounding() {
            String r = takeAny("rn", "rz", "rm", "rp");
            return r == null ? -1 : FloatOps.roundingMode(r);
        }

        int intRounding() {
            String r = takeAny("rni", "rzi", "rmi", "rpi");
            return r == null ? -1 : FloatOps.roundingMode(r.substring(0, 2));
        }

        PtxType type() {
            for (int i = q.size() - 1; i >= 0; i--) {
                PtxType t = PtxType.parse(q.get(i));
                if (t != null) {
                    q.remove(i);
                    return t;
                }
            }
            throw err("missing type qualifier");
        }

        void ignore(String... s) {
            for (String x : s) {
                q.remove(x);
            }
        }

        void done() {
            if (!q.isEmpty()) {
                throw unsupported("qualifier ." + q.get(0));
            }
        }
    }

    // ------------------------------------------------------------------ decoding

    private Insn decodeGuarded(Ast.Instr in) {
        Insn x = specialize(in.opcode(), decode(in));
        if (in.guard() != null) {
            Ast.RegDecl rd = cur.scope().find(in.guard().id());
            if (rd == null) {
                throw err("guard " + in.guard().id() + " is not a declared register");
            }
            checkPred(rd, true);
            x.guard = slotOf(rd);
            x.guardNegated = in.guardNegated();
        }
        return x;
    }

    /**
     * Replaces the general lambda form of the hottest opcodes by {@link Insns.Fast2}/{@link Insns.Fast3}
     * (identical semantics, a written-out lane loop). Matched on the exact opcode text.
     */
    private static Insn specialize(String op, Insn x) {
        Insn y = null;
        if (x instanceof Insns.Bin b) {
            int kind;
            switch (op) {
                case "add.s32": case "add.u32": kind = Insns.Fast2.ADD32; break;
                case "add.s64": case "add.u64": kind = Insns.Fast2.ADD64; break;
                case "sub.s32": case "sub.u32": kind = Insns.Fast2.SUB32; break;
                case "sub.s64": case "sub.u64": kind = Insns.Fast2.SUB64; break;
                case "mul.lo.s32": case "mul.lo.u32": kind = Insns.Fast2.MULLO32; break;
                case "mul.wide.s32": kind = Insns.Fast2.MULWIDE_S32; break;
                case "mul.wide.u32": kind = Insns.Fast2.MULWIDE_U32; break;
                case "shl.b32": kind = Insns.Fast2.SHL32; break;
                case "shl.b64": kind = Insns.Fast2.SHL64; break;
                case "and.b32": kind = Insns.Fast2.AND32; break;
                case "add.f32": case "add.rn.f32": kind = Insns.Fast2.ADD_F32; break;
                case "sub.f32": case "sub.rn.f32": kind = Insns.Fast2.SUB_F32; break;
                case "mul.f32": case "mul.rn.f32": kind = Insns.Fast2.MUL_F32; break;
                default: kind = -1; break;
            }
            if (kind >= 0) {
                y = new Insns.Fast2(op, kind, b.d, b.a, b.b);
            }
        } else if (x instanceof Insns.Tri t) {
            int kind;
            switch (op) {
                case "fma.rn.f32": case "mad.rn.f32": kind = Insns.Fast3.FMA_F32; break;
                case "mad.lo.s32": case "mad.lo.u32": kind = Insns.Fast3.MADLO32; break;
                case "mad.wide.s32": kind = Insns.Fast3.MADWIDE_S32; break;
                case "mad.wide.u32": kind = Insns.Fast3.MADWIDE_U32; break;
                default: kind = -1; break;
            }
            if (kind >= 0) {
                y = new Insns.Fast3(op, kind, t.d, t.a, t.b, t.c);
            }
        }
        if (y == null) {
            return x;
        }
        y.flops = x.flops;
        return y;
    }

    private Insn decode(Ast.Instr in) {
        String op = in.opcode();
        String[] parts = op.split("\\.");
        Quals q = new Quals(parts);
        List<Ast.Opnd> ops = in.operands();
        switch (parts[0]) {
            case "mov": return mov(op, q, ops);
            case "add":
            case "sub":
            case "mul":
            case "mad":
            case "fma":
            case "div":
            case "rem":
            case "min":
            case "max":
                return arith(parts[0], op, q, ops);
            case "abs":
            case "neg":
                return absNeg(parts[0], op, q, ops);
            case "and":
            case "or":
            case "xor":
                return logic(parts[0], op, q, ops);
            case "not":
            case "cnot":
                return notOp(parts[0], op, q, ops);
            case "shl":
            case "shr":
                return shift(parts[0], op, q, ops);
            case "bfe": return bfe(op, q, ops);
            case "bfi": return bfi(op, q, ops);
            case "popc":
            case "clz":
            case "brev":
                return bitCount(parts[0], op, q, ops);
            case "prmt": return prmt(op, q, ops);
            case "lop3": {
                PtxType t = q.type();
                q.done();
                if (t != PtxType.B32) {
                    throw unsupported("type ." + t.ptx() + " for lop3");
                }
                arity(ops, 5);
                // bit i of d is bit ((a_i << 2) | (b_i << 1) | c_i) of the 8-bit lookup table immLut
                return new Insns.Quad(op, dst(ops.get(0), false), src(ops.get(1), t), src(ops.get(2), t), src(ops.get(3), t),
                        src(ops.get(4), PtxType.U32), (a, b, c, lut) -> IntArith.lop3(a, b, c, (int) lut & 0xFF));
            }
            case "selp": return selp(op, q, ops);
            case "setp": return setp(op, q, ops, false);
            case "set": return setp(op, q, ops, true);
            case "slct": return slct(op, q, ops);
            case "cvt": return Conversions.cvt(this::err, op, q.q, ops.size() == 2 ? dst(ops.get(0), false) : badArity(ops, 2),
                    dstType(ops.get(0)), ops, this::srcOf);
            case "cvta": return cvta(op, q, ops);
            case "rcp":
            case "sqrt":
            case "rsqrt":
            case "ex2":
            case "lg2":
            case "sin":
            case "cos":
            case "tanh":
                return special(parts[0], op, q, ops);
            case "copysign": return copysign(op, q, ops);
            case "testp": return testp(op, q, ops);
            case "ld":
            case "ldu":
                return ld(op, q, ops);
            case "st": return st(op, q, ops);
            case "atom":
            case "red":
                return atom(parts[0].equals("red"), op, q, ops);
            case "bra": {
                q.ignore("uni");
                q.done();
                arity(ops, 1);
                if (!(ops.get(0) instanceof Ast.Name n) || !fr.labelNames.contains(n.id())) {
                    throw err("branch target " + describe(ops.get(0)) + " is not a label of " + fr.fn.name);
                }
                Insns.Bra b = new Insns.Bra(op, -1);
                fr.pending.add(b);
                fr.pendingLabels.add(((Ast.Name) ops.get(0)).id());
                return b;
            }
            case "ret":
            case "exit":
                q.ignore("uni");
                q.done();
                arity(ops, 0);
                if (parts[0].equals("ret") && fr.parent != null) {
                    Insns.Bra r = new Insns.Bra(op, -1);
                    fr.rets.add(r);
                    return r;
                }
                return new Insns.Exit(op);
            case "bar":
            case "barrier":
                return barrier(op, q, ops);
            case "membar":
            case "fence":
                return new Insns.Nop(op);
            case "shfl": return shfl(op, q, ops);
            case "vote": return vote(op, q, ops);
            case "activemask":
                q.type();
                q.done();
                arity(ops, 1);
                return new Insns.ActiveMask(op, dst(ops.get(0), false));
            case "trap":
            case "brkpt":
                return new Insns.Trap(op);
            default:
                throw unsupported("instruction " + parts[0]);
        }
    }

    private int badArity(List<Ast.Opnd> ops, int n) {
        arity(ops, n);
        return 0;
    }

    /** For {@link Conversions}: a source operand of a type. */
    int srcOf(Ast.Opnd o, PtxType t) {
        return src(o, t);
    }

    private Insn mov(String op, Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        q.done();
        arity(ops, 2);
        Ast.Opnd d = ops.get(0);
        Ast.Opnd a = ops.get(1);
        if (d instanceof Ast.Vec || a instanceof Ast.Vec) {
            int n = ((Ast.Vec) (d instanceof Ast.Vec ? d : a)).items().size();
            if ((n != 2 && n != 4) || t.bits % n != 0 || t.bits / n < 8 || t.kind == PtxType.Kind.PRED) {
                throw unsupported("vector mov of " + n + " pieces into ." + t.ptx());
            }
        }
        if (d instanceof Ast.Vec v) {
            int width = t.bits / v.items().size();
            int[] ds = new int[v.items().size()];
            for (int i = 0; i < ds.length; i++) {
                ds[i] = v.items().get(i) instanceof Ast.Sink ? -1 : dst(v.items().get(i), false);
            }
            return new Insns.Unpack(op, ds, src(a, t), width);
        }
        if (a instanceof Ast.Vec v) {
            int width = t.bits / v.items().size();
            PtxType pt = PtxType.parse("b" + width);
            int[] ss = new int[v.items().size()];
            for (int i = 0; i < ss.length; i++) {
                ss[i] = src(v.items().get(i), pt == null ? PtxType.B32 : pt);
            }
            return new Insns.Pack(op, dst(d, false), ss, width);
        }
        if (a instanceof Ast.Name n && (n.id().equals("%clock") || n.id().equals("%clock64")
                || n.id().equals("%globaltimer") || n.id().startsWith("%clock_hi"))) {
            return new Insns.Clock(op, dst(d, false), t.mask());
        }
        if (t == PtxType.PRED) {
            return new Insns.Un(op, dst(d, true), src(a, t), v -> v & 1);
        }
        long m = t.mask();
        return new Insns.Un(op, dst(d, false), src(a, t), v -> v & m);
    }

    // --- integer and float arithmetic

    private Insn arith(String base, String op, Quals q, List<Ast.Opnd> ops) {
        String hl = q.takeAny("lo", "hi", "wide");
        int rnd = q.rounding();
        boolean ftz = q.take("ftz");
        boolean sat = q.take("sat");
        boolean approx = q.take("approx");
        boolean full = q.take("full");
        boolean nanMode = q.take("NaN");
        PtxType t = q.type();
        q.done();
        boolean three = base.equals("mad") || base.equals("fma");
        arity(ops, three ? 4 : 3);
        if (t.isFloat()) {
            if (hl != null) {
                throw unsupported("qualifier ." + hl + " on a float type");
            }
            if (t == PtxType.F16) {
                throw unsupported("type .f16 for " + base);
            }
            if (ftz && t == PtxType.F64) {
                throw unsupported("qualifier .ftz on .f64");
            }
            return FloatArith.build(this::err, base, op, t, rnd, ftz, sat, approx, full, nanMode,
                    dst(ops.get(0), false), src(ops.get(1), t), src(ops.get(2), t), three ? src(ops.get(3), t) : -1);
        }
        if (rnd >= 0 || ftz || approx || full || nanMode) {
            throw unsupported("float qualifier on integer type ." + t.ptx());
        }
        if (t == PtxType.PRED || t.kind == PtxType.Kind.BITS && !(base.equals("add") || base.equals("sub"))) {
            throw unsupported("type ." + t.ptx() + " for " + base);
        }
        return IntArith.build(this::err, base, op, t, hl, sat, dst(ops.get(0), false), ops, this::srcOf);
    }

    private Insn absNeg(String base, String op, Quals q, List<Ast.Opnd> ops) {
        boolean ftz = q.take("ftz");
        PtxType t = q.type();
        q.done();
        arity(ops, 2);
        int d = dst(ops.get(0), false);
        int a = src(ops.get(1), t);
        boolean abs = base.equals("abs");
        if (t == PtxType.F32) {
            Op1 fn = abs ? (ftz ? v -> (Float.floatToRawIntBits(FloatOps.ftz(FloatOps.f(v))) & 0x7FFFFFFFL) : v -> v & 0x7FFFFFFFL)
                    : (ftz ? v -> (Float.floatToRawIntBits(FloatOps.ftz(FloatOps.f(v))) ^ 0x80000000L) & 0xFFFFFFFFL
                    : v -> (v ^ 0x80000000L) & 0xFFFFFFFFL);
            return new Insns.Un(op, d, a, fn);
        }
        if (ftz) {
            throw unsupported("qualifier .ftz on ." + t.ptx());
        }
        if (t == PtxType.F64) {
            return new Insns.Un(op, d, a, abs ? v -> v & Long.MAX_VALUE : v -> v ^ Long.MIN_VALUE);
        }
        if (t.kind != PtxType.Kind.SIGNED) {
            throw unsupported("type ." + t.ptx() + " for " + base);
        }
        long m = t.mask();
        PtxType tt = t;
        return new Insns.Un(op, d, a, abs ? v -> Math.abs(tt.extend(v)) & m : v -> (-v) & m);
    }

    private Insn logic(String base, String op, Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        q.done();
        arity(ops, 3);
        boolean pred = t == PtxType.PRED;
        if (!pred && t.kind != PtxType.Kind.BITS) {
            throw unsupported("type ." + t.ptx() + " for " + base + " (use .pred or .bN)");
        }
        int d = dst(ops.get(0), pred);
        int a = srcNoNegation(ops.get(1), t);
        int b = srcNoNegation(ops.get(2), t);
        long m = t.mask();
        Op2 fn;
        switch (base) {
            case "and": fn = (x, y) -> (x & y) & m; break;
            case "or": fn = (x, y) -> (x | y) & m; break;
            default: fn = (x, y) -> (x ^ y) & m; break;
        }
        return new Insns.Bin(op, d, a, b, fn);
    }

    /** Negated predicate operands ({@code !%p}) become a slot holding the negation via a helper insn. */
    private int srcNoNegation(Ast.Opnd o, PtxType t) {
        if (o instanceof Ast.Not) {
            throw unsupported("negated operand " + describe(((Ast.Not) o).inner()) + " in this position");
        }
        return src(o, t);
    }

    private Insn notOp(String base, String op, Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        q.done();
        arity(ops, 2);
        boolean pred = t == PtxType.PRED;
        if (!pred && t.kind != PtxType.Kind.BITS) {
            throw unsupported("type ." + t.ptx() + " for " + base);
        }
        if (pred && base.equals("cnot")) {
            throw unsupported("type .pred for cnot");
        }
        long m = t.mask();
        int d = dst(ops.get(0), pred);
        int a = src(ops.get(1), t);
        if (base.equals("not")) {
            return new Insns.Un(op, d, a, v -> ~v & m);
        }
        return new Insns.Un(op, d, a, v -> (v & m) == 0 ? 1 : 0);
    }

    private Insn shift(String base, String op, Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        q.done();
        arity(ops, 3);
        if (t == PtxType.PRED || t.isFloat()) {
            throw unsupported("type ." + t.ptx() + " for " + base);
        }
        int bits = t.bits;
        long m = t.mask();
        int d = dst(ops.get(0), false);
        int a = src(ops.get(1), t);
        int b = src(ops.get(2), PtxType.U32);
        Op2 fn;
        if (base.equals("shl")) {
            fn = (x, n) -> (n & 0xFFFFFFFFL) >= bits ? 0 : (x << n) & m;
        } else if (t.kind == PtxType.Kind.SIGNED) {
            PtxType tt = t;
            fn = (x, n) -> (tt.extend(x) >> Math.min(n & 0xFFFFFFFFL, bits - 1)) & m;
        } else {
            fn = (x, n) -> (n & 0xFFFFFFFFL) >= bits ? 0 : ((x & m) >>> n) & m;
        }
        return new Insns.Bin(op, d, a, b, fn);
    }

    private Insn bfe(String op, Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        q.done();
        arity(ops, 4);
        if (t != PtxType.U32 && t != PtxType.S32 && t != PtxType.U64 && t != PtxType.S64) {
            throw unsupported("type ." + t.ptx() + " for bfe");
        }
        int width = t.bits;
        boolean signed = t.isSigned();
        long m = t.mask();
        return new Insns.Tri(op, dst(ops.get(0), false), src(ops.get(1), t), src(ops.get(2), PtxType.U32),
                src(ops.get(3), PtxType.U32), (a, b, c) -> IntArith.bfe(a, (int) (b & 0xFF), (int) (c & 0xFF), width, signed) & m);
    }

    private Insn bfi(String op, Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        q.done();
        arity(ops, 5);
        if (t != PtxType.B32 && t != PtxType.B64) {
            throw unsupported("type ." + t.ptx() + " for bfi");
        }
        int width = t.bits;
        return new Insns.Quad(op, dst(ops.get(0), false), src(ops.get(1), t), src(ops.get(2), t), src(ops.get(3), PtxType.U32),
                src(ops.get(4), PtxType.U32), (a, b, c, e) -> IntArith.bfi(a, b, (int) (c & 0xFF), (int) (e & 0xFF), width));
    }

    private Insn bitCount(String base, String op, Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        q.done();
        arity(ops, 2);
        if (t != PtxType.B32 && t != PtxType.B64) {
            throw unsupported("type ." + t.ptx() + " for " + base);
        }
        boolean b64 = t == PtxType.B64;
        Op1 fn;
        switch (base) {
            case "popc": fn = b64 ? v -> Long.bitCount(v) : v -> Integer.bitCount((int) v); break;
            case "clz": fn = b64 ? v -> Long.numberOfLeadingZeros(v) : v -> Integer.numberOfLeadingZeros((int) v); break;
            default: fn = b64 ? v -> Long.reverse(v) : v -> Integer.reverse((int) v) & 0xFFFFFFFFL; break;
        }
        return new Insns.Un(op, dst(ops.get(0), false), src(ops.get(1), t), fn);
    }

    private Insn prmt(String op, Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        String mode = q.takeAny("f4e", "b4e", "rc8", "ecl", "ecr", "rc16");
        q.done();
        if (mode != null) {
            throw unsupported("prmt mode ." + mode);
        }
        if (t != PtxType.B32) {
            throw unsupported("type ." + t.ptx() + " for prmt");
        }
        arity(ops, 4);
        return new Insns.Tri(op, dst(ops.get(0), false), src(ops.get(1), t), src(ops.get(2), t), src(ops.get(3), t),
                (a, b, c) -> IntArith.prmt((int) a, (int) b, (int) c) & 0xFFFFFFFFL);
    }

    private Insn selp(String op, Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        q.done();
        arity(ops, 4);
        boolean neg = ops.get(3) instanceof Ast.Not;
        Ast.Opnd c = neg ? ((Ast.Not) ops.get(3)).inner() : ops.get(3);
        return new Insns.Selp(op, dst(ops.get(0), t == PtxType.PRED), src(ops.get(1), t), src(ops.get(2), t),
                src(c, PtxType.PRED), neg, t.mask());
    }

    private Insn slct(String op, Quals q, List<Ast.Opnd> ops) {
        boolean ftz = q.take("ftz");
        PtxType ct = q.type();
        PtxType t = q.type();
        q.done();
        arity(ops, 4);
        long m = t.mask();
        Op3 fn;
        if (ct == PtxType.S32) {
            fn = (a, b, c) -> ((int) c >= 0 ? a : b) & m;
        } else if (ct == PtxType.F32) {
            fn = (a, b, c) -> {
                float cv = FloatOps.f(c);
                if (ftz) {
                    cv = FloatOps.ftz(cv);
                }
                return (cv >= 0f ? a : b) & m;
            };
        } else {
            throw unsupported("comparison type ." + ct.ptx() + " for slct (only .s32 and .f32)");
        }
        return new Insns.Tri(op, dst(ops.get(0), false), src(ops.get(1), t), src(ops.get(2), t), src(ops.get(3), ct), fn);
    }

    private Insn setp(String op, Quals q, List<Ast.Opnd> ops, boolean isSet) {
        String cmpName = q.takeAny("eq", "ne", "lt", "le", "gt", "ge", "lo", "ls", "hi", "hs", "equ", "neu", "ltu", "leu",
                "gtu", "geu", "num", "nan");
        if (cmpName == null) {
            throw unsupported("comparison (missing or unknown comparison operator)");
        }
        String boolName = q.takeAny("and", "or", "xor");
        boolean ftz = q.take("ftz");
        PtxType st = q.type(); // the last type: set.cmp.dtype.stype has the source type last
        PtxType dt = isSet ? q.type() : PtxType.PRED;
        q.done();
        if (ftz && st != PtxType.F32) {
            throw unsupported("qualifier .ftz on ." + st.ptx());
        }
        Op2 cmp = Compare.build(this::err, cmpName, st, ftz);
        int boolOp = boolName == null ? 0 : (boolName.equals("and") ? 1 : boolName.equals("or") ? 2 : 3);
        int n = ops.size();
        if (n != (boolOp == 0 ? 3 : 4)) {
            throw err("expected " + (boolOp == 0 ? 3 : 4) + " operands but found " + n);
        }
        int p;
        int qq = -1;
        if (ops.get(0) instanceof Ast.Pair pr) {
            if (isSet) {
                throw unsupported("pair destination for set");
            }
            p = dst(pr.first(), true);
            qq = dst(pr.second(), true);
        } else {
            p = dst(ops.get(0), !isSet);
        }
        int c = -1;
        boolean cNeg = false;
        if (boolOp != 0) {
            Ast.Opnd co = ops.get(3);
            if (co instanceof Ast.Not nt) {
                cNeg = true;
                co = nt.inner();
            }
            c = src(co, PtxType.PRED);
        }
        long tv = 1;
        if (isSet) {
            if (dt == PtxType.F32) {
                tv = Float.floatToRawIntBits(1.0f) & 0xFFFFFFFFL;
            } else if (dt == PtxType.U32 || dt == PtxType.S32) {
                tv = 0xFFFFFFFFL;
            } else {
                throw unsupported("destination type ." + dt.ptx() + " for set");
            }
        }
        return new Insns.Setp(op, p, qq, src(ops.get(1), st), src(ops.get(2), st), cmp, boolOp, c, cNeg, tv);
    }

    private Insn cvta(String op, Quals q, List<Ast.Opnd> ops) {
        boolean to = q.take("to");
        String space = q.takeAny("global", "shared", "local", "const", "param");
        PtxType t = q.type();
        q.done();
        if (space == null) {
            throw unsupported("cvta without a state space");
        }
        if (t != PtxType.U64 && t != PtxType.U32 && t != PtxType.B64 && t != PtxType.B32) {
            throw unsupported("type ." + t.ptx() + " for cvta");
        }
        arity(ops, 2);
        long window;
        switch (space) {
            case "shared": window = Launch.SHARED_WINDOW; break;
            case "local": window = Launch.LOCAL_WINDOW; break;
            case "const": window = Launch.CONST_WINDOW; break;
            case "param": window = Launch.PARAM_WINDOW; break;
            default: window = 0; break;
        }
        long m = t.mask();
        int d = dst(ops.get(0), false);
        int a = src(ops.get(1), t);
        if (window == 0) {
            return new Insns.Un(op, d, a, v -> v & m);
        }
        if (to) {
            return new Insns.Un(op, d, a, v -> (v - window) & m);
        }
        return new Insns.Un(op, d, a, v -> (v + window) & m);
    }

    private Insn special(String base, String op, Quals q, List<Ast.Opnd> ops) {
        boolean approx = q.take("approx");
        boolean full = q.take("full");
        int rnd = q.rounding();
        boolean ftz = q.take("ftz");
        PtxType t = q.type();
        q.done();
        arity(ops, 2);
        if (t != PtxType.F32 && t != PtxType.F64) {
            throw unsupported("type ." + t.ptx() + " for " + base);
        }
        return FloatArith.special(this::err, base, op, t, approx, full, rnd, ftz, dst(ops.get(0), false), src(ops.get(1), t));
    }

    private Insn copysign(String op, Quals q, List<Ast.Opnd> ops) {
        PtxType t = q.type();
        q.done();
        arity(ops, 3);
        int d = dst(ops.get(0), false);
        int a = src(ops.get(1), t);
        int b = src(ops.get(2), t);
        if (t == PtxType.F32) {
            return new Insns.Bin(op, d, a, b, (x, y) -> (y & 0x7FFFFFFFL) | (x & 0x80000000L));
        }
        if (t == PtxType.F64) {
            return new Insns.Bin(op, d, a, b, (x, y) -> (y & Long.MAX_VALUE) | (x & Long.MIN_VALUE));
        }
        throw unsupported("type ." + t.ptx() + " for copysign");
    }

    private Insn testp(String op, Quals q, List<Ast.Opnd> ops) {
        String what = q.takeAny("finite", "infinite", "number", "notanumber", "normal", "subnormal");
        PtxType t = q.type();
        q.done();
        if (what == null) {
            throw unsupported("testp without a test");
        }
        arity(ops, 2);
        Op1 fn;
        if (t == PtxType.F32) {
            switch (what) {
                case "finite": fn = v -> Float.isFinite(FloatOps.f(v)) ? 1 : 0; break;
                case "infinite": fn = v -> Float.isInfinite(FloatOps.f(v)) ? 1 : 0; break;
                case "number": fn = v -> Float.isNaN(FloatOps.f(v)) ? 0 : 1; break;
                case "notanumber": fn = v -> Float.isNaN(FloatOps.f(v)) ? 1 : 0; break;
                case "normal": fn = v -> {
                    float x = Math.abs(FloatOps.f(v));
                    return x >= Float.MIN_NORMAL && x <= Float.MAX_VALUE ? 1 : 0;
                };
                    break;
                default: fn = v -> {
                    float x = Math.abs(FloatOps.f(v));
                    return x > 0 && x < Float.MIN_NORMAL ? 1 : 0;
                };
                    break;
            }
        } else if (t == PtxType.F64) {
            switch (what) {
                case "finite": fn = v -> Double.isFinite(FloatOps.d(v)) ? 1 : 0; break;
                case "infinite": fn = v -> Double.isInfinite(FloatOps.d(v)) ? 1 : 0; break;
                case "number": fn = v -> Double.isNaN(FloatOps.d(v)) ? 0 : 1; break;
                case "notanumber": fn = v -> Double.isNaN(FloatOps.d(v)) ? 1 : 0; break;
                case "normal": fn = v -> {
                    double x = Math.abs(FloatOps.d(v));
                    return x >= Double.MIN_NORMAL && x <= Double.MAX_VALUE ? 1 : 0;
                };
                    break;
                default: fn = v -> {
                    double x = Math.abs(FloatOps.d(v));
                    return x > 0 && x < Double.MIN_NORMAL ? 1 : 0;
                };
                    break;
            }
        } else {
            throw unsupported("type ." + t.ptx() + " for testp");
        }
        return new Insns.Un(op, dst(ops.get(0), true), src(ops.get(1), t), fn);
    }

    // --- memory

    private int space(Quals q, boolean allowParam) {
        String s = q.takeAny("global", "shared", "local", "param", "const");
        q.ignore("cta", "cluster");
        if (s == null) {
            return Launch.GENERIC;
        }
        switch (s) {
            case "global": return Launch.GLOBAL;
            case "shared": return Launch.SHARED;
            case "local": return Launch.LOCAL;
            case "param":
                if (!allowParam) {
                    throw unsupported("state space .param for this instruction");
                }
                return Launch.PARAM;
            default: return Launch.CONST;
        }
    }

    private void ignoreCacheOps(Quals q) {
        q.ignore("nc", "ca", "cg", "cs", "lu", "cv", "wb", "wt", "weak", "volatile", "relaxed", "acquire", "release",
                "acq_rel", "sc", "gpu", "sys", "cta", "L1::evict_last", "L1::evict_first", "L1::no_allocate",
                "L2::64B", "L2::128B", "L2::256B", "L1::evict_normal", "L1::evict_unchanged");
        q.q.removeIf(s -> s.startsWith("L1::") || s.startsWith("L2::"));
    }

    /** A decoded memory operand: register base (or -1), offset, and the state space actually accessed. */
    private record Address(int base, long offset, int space) {
    }

    private Address address(Ast.Opnd o, int space) {
        if (!(o instanceof Ast.Addr a)) {
            throw err("expected an address [ ] but found " + describe(o));
        }
        if (a.base() == null) {
            return new Address(-1, a.offset(), space);
        }
        Ast.RegDecl rd = cur.scope().find(a.base().id());
        if (rd != null) {
            checkPred(rd, false);
            return new Address(slotOf(rd), a.offset(), space);
        }
        Sym s = symbol(a.base().id());
        if (s == null) {
            throw err("unknown name " + a.base().id() + " in address");
        }
        long addr = s.address() + a.offset();
        if (s.frameVar() && (space == Launch.PARAM || space == Launch.LOCAL)) {
            return new Address(-1, addr, Launch.LOCAL); // a call-frame variable lives in local memory
        }
        if (space == Launch.GENERIC) {
            // a variable named in a generic access: convert its state-space address to generic
            switch (s.space()) {
                case Launch.SHARED: addr += Launch.SHARED_WINDOW; break;
                case Launch.LOCAL: addr += Launch.LOCAL_WINDOW; break;
                case Launch.CONST: addr += Launch.CONST_WINDOW; break;
                case Launch.PARAM: addr += Launch.PARAM_WINDOW; break;
                default: break;
            }
        } else if (s.space() != space) {
            throw err("variable " + a.base().id() + " is in ." + Launch.SPACE_NAMES[s.space()] + " but accessed as ."
                    + Launch.SPACE_NAMES[space]);
        }
        return new Address(-1, addr, space);
    }

    private int vecCount(Quals q) {
        String v = q.takeAny("v2", "v4", "v8");
        if (v == null) {
            return 1;
        }
        if (v.equals("v8")) {
            throw unsupported("vector width .v8");
        }
        return v.equals("v2") ? 2 : 4;
    }

    private Insn ld(String op, Quals q, List<Ast.Opnd> ops) {
        int space = space(q, true);
        ignoreCacheOps(q);
        int n = vecCount(q);
        PtxType t = q.type();
        q.done();
        if (t == PtxType.PRED) {
            throw unsupported("type .pred for ld");
        }
        arity(ops, 2);
        List<Ast.Opnd> ds = ops.get(0) instanceof Ast.Vec v ? v.items() : List.of(ops.get(0));
        if (ds.size() != n) {
            throw err("a ." + (n == 1 ? "scalar" : "v" + n) + " load needs " + n + " destinations, found " + ds.size());
        }
        int[] d = new int[n];
        long[] masks = new long[n];
        for (int i = 0; i < n; i++) {
            if (ds.get(i) instanceof Ast.Sink) {
                d[i] = -1;
                continue;
            }
            d[i] = dst(ds.get(i), false);
            PtxType rt = dstType(ds.get(i));
            masks[i] = rt == null ? t.mask() : (rt.bits >= t.bits ? rt.mask() : t.mask());
        }
        Address a = address(ops.get(1), space);
        return new Insns.Ld(op, a.space(), t.bytes(), d, masks, t.isSigned(), a.base(), a.offset());
    }

    private Insn st(String op, Quals q, List<Ast.Opnd> ops) {
        int space = space(q, true);
        ignoreCacheOps(q);
        int n = vecCount(q);
        PtxType t = q.type();
        q.done();
        if (t == PtxType.PRED) {
            throw unsupported("type .pred for st");
        }
        arity(ops, 2);
        List<Ast.Opnd> ss = ops.get(1) instanceof Ast.Vec v ? v.items() : List.of(ops.get(1));
        if (ss.size() != n) {
            throw err("a ." + (n == 1 ? "scalar" : "v" + n) + " store needs " + n + " sources, found " + ss.size());
        }
        int[] s = new int[n];
        for (int i = 0; i < n; i++) {
            s[i] = src(ss.get(i), t);
        }
        Address a = address(ops.get(0), space);
        if (a.space() == Launch.PARAM) {
            throw unsupported("st.param to a kernel parameter (only to call-frame .param variables)");
        }
        return new Insns.St(op, a.space(), t.bytes(), s, a.base(), a.offset());
    }

    private Insn atom(boolean red, String op, Quals q, List<Ast.Opnd> ops) {
        int space = space(q, false);
        if (space == Launch.LOCAL || space == Launch.CONST) {
            throw unsupported("state space ." + Launch.SPACE_NAMES[space] + " for " + (red ? "red" : "atom"));
        }
        ignoreCacheOps(q);
        q.ignore("noftz");
        String aop = q.takeAny("add", "min", "max", "exch", "cas", "and", "or", "xor", "inc", "dec");
        if (aop == null) {
            throw unsupported("atomic operation (missing or unknown)");
        }
        PtxType t = q.type();
        q.done();
        if (red && (aop.equals("exch") || aop.equals("cas"))) {
            throw unsupported("red." + aop);
        }
        boolean cas = aop.equals("cas");
        int nops = (red ? 2 : 3) + (cas ? 1 : 0);
        arity(ops, nops);
        int d = red ? -1 : dst(ops.get(0), false);
        Address a = address(ops.get(red ? 0 : 1), space);
        int b = src(ops.get(red ? 1 : 2), t);
        int c = cas ? src(ops.get(3), t) : -1;
        Op2 fn = cas ? null : IntArith.atomicOp(this::err, aop, t);
        if (t.bits != 32 && t.bits != 64) {
            throw unsupported("type ." + t.ptx() + " for atomics");
        }
        Insns.Atom x = new Insns.Atom(op, space, t.bytes(), d, a.base(), a.offset(), b, c, fn, cas);
        x.flops = t.isFloat() && aop.equals("add") ? 1 : 0;
        return x;
    }

    // --- synchronisation

    private Insn barrier(String op, Quals q, List<Ast.Opnd> ops) {
        if (q.take("warp")) {
            q.take("sync");
            q.done();
            arity(ops, 1);
            return new Insns.WarpSync(op, src(ops.get(0), PtxType.B32));
        }
        boolean sync = q.take("sync");
        q.ignore("aligned");
        if (q.take("red")) {
            String mode = q.takeAny("popc", "and", "or");
            PtxType t = q.type();
            q.done();
            if (mode == null || (mode.equals("popc") != (t == PtxType.U32)) || (!mode.equals("popc") && t != PtxType.PRED)) {
                throw unsupported("bar.red form (popc.u32, and.pred, or.pred are supported)");
            }
            if (ops.size() != 3) {
                throw unsupported("bar.red operand form (expected d, 0, {!}c)");
            }
            if (!isZero(ops.get(1))) {
                throw unsupported("barrier number other than the literal 0");
            }
            Ast.Opnd c = ops.get(2);
            boolean neg = c instanceof Ast.Not;
            if (neg) {
                c = ((Ast.Not) c).inner();
            }
            int m = mode.equals("popc") ? 0 : mode.equals("and") ? 1 : 2;
            return new Insns.BarRed(op, m, dst(ops.get(0), m != 0), src(c, PtxType.PRED), neg);
        }
        if (q.take("arrive")) {
            throw unsupported("barrier form bar.arrive");
        }
        if (!sync && !q.q.isEmpty()) {
            q.done();
        }
        q.done();
        if (ops.size() > 1) {
            throw unsupported("barrier with a thread count (only bar.sync with barrier 0 and all threads)");
        }
        if (ops.size() == 1) {
            if (!isZero(ops.get(0))) {
                throw unsupported("barrier number other than the literal 0");
            }
        }
        return new Insns.Bar(op);
    }

    private static boolean isZero(Ast.Opnd o) {
        if (!(o instanceof Ast.Num num)) {
            return false;
        }
        try {
            return Literals.parseInt(num.text()) == 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private Insn shfl(String op, Quals q, List<Ast.Opnd> ops) {
        boolean sync = q.take("sync");
        String mode = q.takeAny("up", "down", "bfly", "idx");
        PtxType t = q.type();
        q.done();
        if (!sync) {
            throw unsupported("shfl without .sync (deprecated form)");
        }
        if (mode == null) {
            throw unsupported("shfl without a mode");
        }
        if (t != PtxType.B32) {
            throw unsupported("type ." + t.ptx() + " for shfl.sync");
        }
        arity(ops, 5);
        int d;
        int p = -1;
        if (ops.get(0) instanceof Ast.Pair pr) {
            d = dst(pr.first(), false);
            p = dst(pr.second(), true);
        } else {
            d = dst(ops.get(0), false);
        }
        int m = mode.equals("up") ? 0 : mode.equals("down") ? 1 : mode.equals("bfly") ? 2 : 3;
        return new Insns.Shfl(op, m, d, p, src(ops.get(1), PtxType.B32), src(ops.get(2), PtxType.B32),
                src(ops.get(3), PtxType.B32), src(ops.get(4), PtxType.B32));
    }

    private Insn vote(String op, Quals q, List<Ast.Opnd> ops) {
        boolean sync = q.take("sync");
        String mode = q.takeAny("all", "any", "uni", "ballot");
        PtxType t = q.type();
        q.done();
        if (mode == null) {
            throw unsupported("vote without a mode");
        }
        int m = mode.equals("all") ? 0 : mode.equals("any") ? 1 : mode.equals("uni") ? 2 : 3;
        if ((m == 3) != (t == PtxType.B32) || (m != 3 && t != PtxType.PRED)) {
            throw unsupported("type ." + t.ptx() + " for vote." + mode);
        }
        arity(ops, sync ? 3 : 2);
        Ast.Opnd a = ops.get(1);
        boolean neg = a instanceof Ast.Not;
        if (neg) {
            a = ((Ast.Not) a).inner();
        }
        return new Insns.Vote(op, m, dst(ops.get(0), m != 3), src(a, PtxType.PRED), neg,
                sync ? src(ops.get(2), PtxType.B32) : -1);
    }
}
