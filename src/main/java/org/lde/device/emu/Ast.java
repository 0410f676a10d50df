package org.lde.device.emu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The parsed (not yet decoded) form of a PTX module. Package-private plumbing of the emulator. */
final class Ast {
    private Ast() {
    }

    /** An operand as written. */
    sealed interface Opnd permits Name, Num, Vec, Addr, Pair, Not, Sink {
    }

    /** A register, special register, variable, parameter or label name, optionally {@code name+off}. */
    record Name(String id, long offset) implements Opnd {
    }

    /** A numeric literal; {@code negative} when written with a leading minus. */
    record Num(String text, boolean negative) implements Opnd {
    }

    /** A vector operand {@code {a, b, ...}}. */
    record Vec(List<Opnd> items) implements Opnd {
    }

    /** A memory operand {@code [base+offset]}; base is a {@link Name} or null for {@code [imm]}. */
    record Addr(Name base, long offset) implements Opnd {
    }

    /** A destination pair {@code d|p}. */
    record Pair(Opnd first, Opnd second) implements Opnd {
    }

    /** A negated predicate operand {@code !%p}. */
    record Not(Opnd inner) implements Opnd {
    }

    /** The sink {@code _}. */
    record Sink() implements Opnd {
    }

    /** A declared register: its PTX type and its slot in the register file. */
    record RegDecl(String name, PtxType type, int slot) {
    }

    /** Lexical scope of {@code .reg} declarations ({ } blocks nest). */
    static final class Scope {
        final Scope parent;
        final Map<String, RegDecl> regs = new HashMap<>();

        Scope(Scope parent) {
            this.parent = parent;
        }

        RegDecl find(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                RegDecl d = s.regs.get(name);
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
    }

    /** A variable in a state space. {@code count < 0} marks an unsized extern array. */
    record VarDecl(String space, int align, PtxType type, String name, long count, byte[] init, boolean external, int line) {
        long bytes() {
            return Math.max(0, count) * type.bytes();
        }
    }

    /** A kernel parameter; byte arrays have {@code count > 1}. */
    record ParamDecl(String name, PtxType type, int align, long count, int line) {
        long bytes() {
            return count * type.bytes();
        }
    }

    /** Where a statement came from: its PTX line and the last {@code .loc} before it. */
    record Where(int line, int locFile, int locLine) {
    }

    /** A statement of a function body. */
    sealed interface Stmt permits Label, Instr {
    }

    record Label(String name, int line) implements Stmt {
    }

    record Instr(String opcode, Name guard, boolean guardNegated, List<Opnd> operands, Where where, Scope scope)
            implements Stmt {
    }

    /** An {@code .entry} (or a skipped {@code .func}). */
    static final class Function {
        final String name;
        final int line;
        final boolean entry;
        final List<ParamDecl> params = new ArrayList<>();
        /** Return parameters of a {@code .func} ({@code .func (.param .b32 r) f(...)}). */
        final List<ParamDecl> returns = new ArrayList<>();
        final List<Stmt> body = new ArrayList<>();
        /** False for a declaration without a body ({@code .func f(...);}). */
        boolean hasBody;
        final List<VarDecl> vars = new ArrayList<>();
        int slots;
        int[] reqntid;
        int[] maxntid;

        Function(String name, int line, boolean entry) {
            this.name = name;
            this.line = line;
            this.entry = entry;
        }
    }

    /** A whole module. */
    static final class Module {
        String version = "?";
        String target = "?";
        final List<VarDecl> vars = new ArrayList<>();
        final Map<String, Function> entries = new LinkedHashMap<>();
        final Map<String, Function> funcs = new LinkedHashMap<>();
        final Map<Integer, String> files = new HashMap<>();
    }
}
