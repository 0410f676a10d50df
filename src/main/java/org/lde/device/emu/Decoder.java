package org.lde.device.emu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.lde.device.DeviceException;

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
    record Sym(int space, long address, boolean frameVar) {
        Sym(int space, long address) {
            this(space, address, false);
        }
    }

    /**
     * One function body being decoded: the entry, or an inlined instance of a {@code .func} at a call
     * site. Its registers live at {@code slotBase + slot}; its names and labels are its own.
     */
    static final class Frame {
        final Ast.Function fn;
        final Frame parent;
        final int slotBase;
        final Map<String, Sym> syms = new HashMap<>();
        final Map<String, Integer> labels = new HashMap<>();
        final Set<String> labelNames = new HashSet<>();
        final List<ControlInsns.Bra> pending = new ArrayList<>();
        final List<String> pendingLabels = new ArrayList<>();
        final List<ControlInsns.Bra> rets = new ArrayList<>();

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
    Frame fr;
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
    Ast.Instr cur;

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
        for (ControlInsns.Bra r : frame.rets) {
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
        ControlInsns.Bra skip = null;
        if (in.guard() != null) {
            // @p call f: skip the inlined body where the guard is false
            skip = new ControlInsns.Bra("call.skip", -1);
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

    String where(int line) {
        return moduleName + ": kernel " + f.name + ": PTX line " + line;
    }

    String site(Ast.Where w) {
        String s = "PTX line " + w.line();
        if (w.locFile() >= 0) {
            String file = ms.files.getOrDefault(w.locFile(), "file#" + w.locFile());
            int slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
            s += ", " + file.substring(slash + 1) + ":" + w.locLine();
        }
        return s;
    }

    DeviceException err(String msg) {
        return new DeviceException(moduleName + ": kernel " + f.name + ": " + site(cur.where()) + ": " + msg
                + " in '" + cur.opcode() + "'");
    }

    DeviceException unsupported(String what) {
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

    Sym symbol(String name) {
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

    Ast.RegDecl reg(Ast.Opnd o) {
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
    int src(Ast.Opnd o, PtxType t) {
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

    static String describe(Ast.Opnd o) {
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
    int slotOf(Ast.RegDecl rd) {
        return (fr.slotBase + rd.slot()) * 32;
    }

    void checkPred(Ast.RegDecl rd, boolean wantPred) {
        if ((rd.type() == PtxType.PRED) != wantPred) {
            throw err("register " + rd.name() + " is ." + rd.type().ptx() + (wantPred ? " but a predicate is required"
                    : " but a non-predicate value is required"));
        }
    }

    /** A destination register (or the sink {@code _}); returns its register-file base. */
    int dst(Ast.Opnd o, boolean pred) {
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

    PtxType dstType(Ast.Opnd o) {
        Ast.RegDecl rd = reg(o);
        return rd == null ? null : rd.type();
    }

    void arity(List<Ast.Opnd> ops, int n) {
        if (ops.size() != n) {
            throw err("expected " + n + " operands but found " + ops.size());
        }
    }

    // ------------------------------------------------------------------ qualifiers

    /** The dot-separated qualifiers of an opcode, consumed as they are understood. */
    final class Quals {
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
                return FloatInsns.absNeg(this, parts[0], op, q, ops);
            case "and":
            case "or":
            case "xor":
                return BitInsns.logic(this, parts[0], op, q, ops);
            case "not":
            case "cnot":
                return BitInsns.notOp(this, parts[0], op, q, ops);
            case "shl":
            case "shr":
                return BitInsns.shift(this, parts[0], op, q, ops);
            case "bfe": return BitInsns.bfe(this, op, q, ops);
            case "bfi": return BitInsns.bfi(this, op, q, ops);
            case "popc":
            case "clz":
            case "brev":
                return BitInsns.bitCount(this, parts[0], op, q, ops);
            case "prmt": return BitInsns.prmt(this, op, q, ops);
            case "lop3": return BitInsns.lop3(this, op, q, ops);
            case "selp": return SelectInsns.selp(this, op, q, ops);
            case "setp": return SelectInsns.setp(this, op, q, ops, false);
            case "set": return SelectInsns.setp(this, op, q, ops, true);
            case "slct": return SelectInsns.slct(this, op, q, ops);
            case "cvt": return Conversions.cvt(this::err, op, q.q, ops.size() == 2 ? dst(ops.get(0), false) : badArity(ops, 2),
                    dstType(ops.get(0)), ops, this::srcOf);
            case "cvta": return MemoryInsns.cvta(this, op, q, ops);
            case "rcp":
            case "sqrt":
            case "rsqrt":
            case "ex2":
            case "lg2":
            case "sin":
            case "cos":
            case "tanh":
                return FloatInsns.special(this, parts[0], op, q, ops);
            case "copysign": return FloatInsns.copysign(this, op, q, ops);
            case "testp": return FloatInsns.testp(this, op, q, ops);
            case "ld":
            case "ldu":
                return MemoryInsns.ld(this, op, q, ops);
            case "st": return MemoryInsns.st(this, op, q, ops);
            case "atom":
            case "red":
                return MemoryInsns.atom(this, parts[0].equals("red"), op, q, ops);
            case "bra": return ControlInsns.bra(this, op, q, ops);
            case "ret":
            case "exit":
                return ControlInsns.exit(this, parts[0], op, q, ops);
            case "bar":
            case "barrier":
                return ControlInsns.barrier(this, op, q, ops);
            case "membar":
            case "fence":
                return ControlInsns.fence(op);
            case "shfl": return WarpInsns.shfl(this, op, q, ops);
            case "vote": return WarpInsns.vote(this, op, q, ops);
            case "activemask": return WarpInsns.activemask(this, op, q, ops);
            case "trap":
            case "brkpt":
                return ControlInsns.trap(op);
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

    // --- memory

    // --- synchronisation

}
