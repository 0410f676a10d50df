package org.lde.device.emu;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import org.lde.device.DeviceException;
import org.lde.device.emu.PtxLexer.Kind;
import org.lde.device.emu.PtxLexer.Token;

/**
 * Parses PTX text (as nvcc emits it for {@code compute_75}; any {@code .version}) into an {@link Ast.Module}.
 * Register names are resolved against their lexical scope here, so nested {@code { }} blocks with
 * scoped {@code .reg} declarations work. Any directive the emulator does not understand is an error
 * naming the directive and its line.
 */
final class PtxParser {
    private final String moduleName;
    private final List<Token> toks;
    private int p;
    private final Ast.Module mod = new Ast.Module();

    private PtxParser(String moduleName, String text) {
        this.moduleName = moduleName;
        this.toks = PtxLexer.tokenize(moduleName, text);
    }

    static Ast.Module parse(String moduleName, String text) {
        PtxParser ps = new PtxParser(moduleName, text);
        ps.parseModule();
        return ps.mod;
    }

    private DeviceException err(int line, String msg) {
        return new DeviceException(moduleName + ": PTX line " + line + ": " + msg);
    }

    private boolean atEnd() {
        return p >= toks.size();
    }

    private Token peek() {
        if (atEnd()) {
            throw err(toks.isEmpty() ? 1 : toks.get(toks.size() - 1).line(), "unexpected end of PTX text");
        }
        return toks.get(p);
    }

    private Token next() {
        Token t = peek();
        p++;
        return t;
    }

    private boolean accept(String s) {
        if (!atEnd() && peek().is(s)) {
            p++;
            return true;
        }
        return false;
    }

    private Token expect(String s) {
        Token t = next();
        if (!t.is(s)) {
            throw err(t.line(), "expected '" + s + "' but found '" + t.text() + "'");
        }
        return t;
    }

    private Token expectIdent(String what) {
        Token t = next();
        if (t.kind() != Kind.IDENT) {
            throw err(t.line(), "expected " + what + " but found '" + t.text() + "'");
        }
        return t;
    }

    private long expectInt(String what) {
        Token t = next();
        boolean neg = false;
        if (t.is("-")) {
            neg = true;
            t = next();
        }
        if (t.kind() != Kind.NUMBER) {
            throw err(t.line(), "expected " + what + " but found '" + t.text() + "'");
        }
        long v = parseInt(t.text(), t.line());
        return neg ? -v : v;
    }

    long parseInt(String s, int line) {
        try {
            return Literals.parseInt(s);
        } catch (NumberFormatException e) {
            throw err(line, "bad integer literal '" + s + "'");
        }
    }

    // ---------------------------------------------------------------- module level

    private void parseModule() {
        while (!atEnd()) {
            Token t = next();
            String s = t.text();
            if (t.kind() != Kind.IDENT) {
                throw err(t.line(), "unexpected '" + s + "' at module level");
            }
            switch (s) {
                case ".version":
                    mod.version = next().text();
                    break;
                case ".target": {
                    StringBuilder sb = new StringBuilder(next().text());
                    while (accept(",")) {
                        sb.append(',').append(next().text());
                    }
                    mod.target = sb.toString();
                    break;
                }
                case ".address_size": {
                    long a = expectInt("address size");
                    if (a != 64) {
                        throw err(t.line(), "unsupported .address_size " + a + " (only 64 is supported)");
                    }
                    break;
                }
                case ".file": {
                    int idx = (int) expectInt("file index");
                    Token f = next();
                    if (f.kind() != Kind.STRING) {
                        throw err(f.line(), "expected file name string after .file");
                    }
                    mod.files.put(idx, f.text());
                    while (accept(",")) {
                        expectInt("file timestamp/size");
                    }
                    break;
                }
                case ".section":
                    next();
                    skipBraces();
                    break;
                case ".pragma":
                    next();
                    expect(";");
                    break;
                case ".visible":
                case ".weak":
                case ".extern":
                case ".common":
                    parseLinked(t, s.equals(".extern"));
                    break;
                case ".entry":
                case ".func":
                case ".global":
                case ".const":
                case ".shared":
                    p--;
                    parseLinked(t, false);
                    break;
                default:
                    throw err(t.line(), "unsupported module-level directive '" + s + "'");
            }
        }
    }

    private void parseLinked(Token first, boolean external) {
        Token t = next();
        while (t.is(".visible") || t.is(".weak") || t.is(".extern") || t.is(".common")) {
            external |= t.is(".extern");
            t = next();
        }
        switch (t.text()) {
            case ".entry":
                parseFunction(t, true);
                break;
            case ".func":
                parseFunction(t, false);
                break;
            case ".global":
            case ".const":
            case ".shared":
                mod.vars.add(parseVar(t.text().substring(1), external, t.line()));
                break;
            default:
                throw err(t.line(), "unsupported declaration '" + t.text() + "'");
        }
    }

    private void skipBraces() {
        Token open = expect("{");
        int depth = 1;
        while (depth > 0) {
            if (atEnd()) {
                throw err(open.line(), "unbalanced '{'");
            }
            Token t = next();
            if (t.is("{")) {
                depth++;
            } else if (t.is("}")) {
                depth--;
            }
        }
    }

    /** Parses {@code [.align N] .type name[dims] [= init];} after the state space. */
    private Ast.VarDecl parseVar(String space, boolean external, int line) {
        int align = 0;
        PtxType type = null;
        while (true) {
            Token t = peek();
            if (t.is(".align")) {
                next();
                align = (int) expectInt("alignment");
            } else if (t.kind() == Kind.IDENT && t.text().startsWith(".")) {
                next();
                PtxType ty = PtxType.parse(t.text().substring(1));
                if (ty == null) {
                    if (t.is(".v2") || t.is(".v4")) {
                        throw err(t.line(), "unsupported vector variable declaration '" + t.text() + "'");
                    }
                    throw err(t.line(), "unsupported qualifier '" + t.text() + "' in ." + space + " declaration");
                }
                type = ty;
            } else {
                break;
            }
        }
        if (type == null) {
            throw err(line, "missing type in ." + space + " declaration");
        }
        if (type == PtxType.PRED) {
            throw err(line, "a ." + space + " variable cannot have type .pred");
        }
        Token name = expectIdent("variable name");
        long count = 1;
        boolean sized = true;
        boolean isArray = false;
        while (accept("[")) {
            isArray = true;
            if (accept("]")) {
                sized = false;
                continue;
            }
            count *= expectInt("array size");
            expect("]");
        }
        byte[] init = null;
        if (accept("=")) {
            if (!sized) {
                throw err(line, "initialiser on unsized array " + name.text());
            }
            init = parseInit(type, count, name.text(), line);
        }
        expect(";");
        if (align == 0) {
            align = type.bytes();
        }
        if (Integer.bitCount(align) != 1) {
            throw err(line, "alignment " + align + " of " + name.text() + " is not a power of two");
        }
        if (!isArray) {
            count = 1;
        }
        return new Ast.VarDecl(space, align, type, name.text(), sized ? count : -1, init, external || !sized, line);
    }

    private byte[] parseInit(PtxType type, long count, String name, int line) {
        List<Token> values = new ArrayList<>();
        List<Boolean> negs = new ArrayList<>();
        collectInit(values, negs);
        if (values.size() > count) {
            throw err(line, "initialiser of " + name + " has " + values.size() + " values for " + count + " elements");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < values.size(); i++) {
            Token v = values.get(i);
            if (v.kind() != Kind.NUMBER) {
                throw err(v.line(), "unsupported initialiser value '" + v.text() + "' for " + name + " (only numeric literals)");
            }
            long bits;
            try {
                bits = Literals.bitsFor(type, v.text(), negs.get(i), v.line());
            } catch (NumberFormatException e) {
                throw err(v.line(), e.getMessage() + " in the initialiser of " + name);
            }
            for (int b = 0; b < type.bytes(); b++) {
                out.write((int) (bits >>> (8 * b)) & 0xFF);
            }
        }
        return out.toByteArray();
    }

    private void collectInit(List<Token> values, List<Boolean> negs) {
        if (accept("{")) {
            if (!peek().is("}")) {
                do {
                    collectInit(values, negs);
                } while (accept(","));
            }
            expect("}");
            return;
        }
        boolean neg = accept("-");
        values.add(next());
        negs.add(neg);
    }

    // ---------------------------------------------------------------- functions

    private void parseFunction(Token kw, boolean entry) {
        List<Ast.ParamDecl> returns = new ArrayList<>();
        if (!entry && peek().is("(")) {
            next();
            if (!accept(")")) {
                do {
                    returns.add(parseParam());
                } while (accept(","));
                expect(")");
            }
        }
        Token name = expectIdent("function name");
        Ast.Function f = new Ast.Function(name.text(), name.line(), entry);
        f.returns.addAll(returns);
        if (accept("(")) {
            if (!accept(")")) {
                do {
                    f.params.add(parseParam());
                } while (accept(","));
                expect(")");
            }
        }
        // performance-tuning directives
        while (!atEnd() && peek().kind() == Kind.IDENT && peek().text().startsWith(".")) {
            Token d = next();
            switch (d.text()) {
                case ".maxntid":
                    f.maxntid = intList();
                    break;
                case ".reqntid":
                    f.reqntid = intList();
                    break;
                case ".minnctapersm":
                case ".maxnctapersm":
                case ".maxnreg":
                    intList();
                    break;
                case ".noreturn":
                    break;
                case ".pragma":
                    next();
                    expect(";");
                    break;
                default:
                    throw err(d.line(), "unsupported function directive '" + d.text() + "' on " + name.text());
            }
        }
        if (accept(";")) {
            if (!entry) {
                mod.funcs.putIfAbsent(f.name, f); // a declaration only (e.g. .extern .func vprintf)
            }
            return;
        }
        expect("{");
        locFile = -1;
        locLine = -1;
        parseBody(f, new Ast.Scope(null));
        f.hasBody = true;
        if (entry) {
            if (mod.entries.put(f.name, f) != null) {
                throw err(kw.line(), "duplicate .entry " + f.name);
            }
        } else {
            Ast.Function prev = mod.funcs.put(f.name, f);
            if (prev != null && prev.hasBody) {
                throw err(kw.line(), "duplicate .func " + f.name);
            }
        }
    }

    private int[] intList() {
        List<Long> xs = new ArrayList<>();
        do {
            xs.add(expectInt("number"));
        } while (accept(","));
        int[] r = new int[xs.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = (int) (long) xs.get(i);
        }
        return r;
    }

    private void skipParens() {
        Token open = expect("(");
        int depth = 1;
        while (depth > 0) {
            if (atEnd()) {
                throw err(open.line(), "unbalanced '('");
            }
            Token t = next();
            if (t.is("(")) {
                depth++;
            } else if (t.is(")")) {
                depth--;
            }
        }
    }

    private Ast.ParamDecl parseParam() {
        Token kw = expectIdent(".param");
        if (!kw.is(".param")) {
            throw err(kw.line(), "unsupported parameter state space '" + kw.text() + "' (only .param)");
        }
        int align = 0;
        PtxType type = null;
        while (peek().kind() == Kind.IDENT && peek().text().startsWith(".")) {
            Token t = next();
            if (t.is(".align")) {
                align = (int) expectInt("alignment");
            } else if (t.is(".ptr") || t.is(".global") || t.is(".const") || t.is(".shared") || t.is(".local")) {
                if (t.is(".ptr") && peek().is(".align")) {
                    continue;
                }
            } else {
                PtxType ty = PtxType.parse(t.text().substring(1));
                if (ty == null || ty == PtxType.PRED) {
                    throw err(t.line(), "unsupported parameter qualifier '" + t.text() + "'");
                }
                type = ty;
            }
        }
        if (type == null) {
            throw err(kw.line(), "parameter without a type");
        }
        Token name = expectIdent("parameter name");
        long count = 1;
        if (accept("[")) {
            count = expectInt("array size");
            expect("]");
        }
        if (align == 0) {
            align = type.bytes();
        }
        return new Ast.ParamDecl(name.text(), type, align, count, name.line());
    }

    private int locFile = -1;
    private int locLine = -1;

    /** Parses statements up to the matching '}' ; nested blocks open a new register scope. */
    private void parseBody(Ast.Function f, Ast.Scope scope) {
        while (true) {
            Token t = next();
            if (t.is("}")) {
                return;
            }
            if (t.is("{")) {
                parseBody(f, new Ast.Scope(scope));
                continue;
            }
            if (t.kind() == Kind.IDENT && t.text().startsWith(".")) {
                int[] loc = directive(f, scope, t);
                if (loc != null) {
                    locFile = loc[0];
                    locLine = loc[1];
                }
                continue;
            }
            instructionOrLabel(f, scope, t, locFile, locLine);
        }
    }

    /** Handles a directive inside a body; returns {file, line} for {@code .loc}, else null. */
    private int[] directive(Ast.Function f, Ast.Scope scope, Token t) {
        switch (t.text()) {
            case ".reg":
                parseReg(f, scope, t.line());
                return null;
            case ".local":
            case ".shared":
                f.vars.add(parseVar(t.text().substring(1), false, t.line()));
                return null;
            case ".loc": {
                int file = (int) expectInt(".loc file");
                int line = (int) expectInt(".loc line");
                expectInt(".loc column");
                // extensions (function_name, inlined_at) run to the end of the line
                while (!atEnd() && peek().line() == t.line() && !peek().is(";")) {
                    next();
                }
                return new int[] {file, line};
            }
            case ".pragma":
                next();
                expect(";");
                return null;
            case ".param":
                // a call-frame variable (arguments and results of a call in this block)
                f.vars.add(parseVar("param", false, t.line()));
                return null;
            default:
                throw err(t.line(), "unsupported directive '" + t.text() + "' in body of " + f.name);
        }
    }

    private void parseReg(Ast.Function f, Ast.Scope scope, int line) {
        PtxType type = null;
        while (peek().kind() == Kind.IDENT && peek().text().startsWith(".")) {
            Token q = next();
            if (q.is(".v2") || q.is(".v4")) {
                throw err(q.line(), "unsupported vector register declaration '" + q.text() + "'");
            }
            PtxType ty = PtxType.parse(q.text().substring(1));
            if (ty == null) {
                throw err(q.line(), "unsupported .reg qualifier '" + q.text() + "'");
            }
            type = ty;
        }
        if (type == null) {
            throw err(line, ".reg without a type");
        }
        do {
            Token name = expectIdent("register name");
            if (accept("<")) {
                long n = expectInt("register count");
                expect(">");
                for (long i = 0; i < n; i++) {
                    declare(f, scope, name.text() + i, type, name.line());
                }
            } else {
                declare(f, scope, name.text(), type, name.line());
            }
        } while (accept(","));
        expect(";");
    }

    private void declare(Ast.Function f, Ast.Scope scope, String name, PtxType type, int line) {
        if (scope.regs.containsKey(name)) {
            throw err(line, "register " + name + " declared twice in the same scope");
        }
        scope.regs.put(name, new Ast.RegDecl(name, type, f.slots++));
    }

    private void instructionOrLabel(Ast.Function f, Ast.Scope scope, Token t, int locFile, int locLine) {
        if (t.kind() == Kind.IDENT && !atEnd() && peek().is(":")) {
            next();
            f.body.add(new Ast.Label(t.text(), t.line()));
            return;
        }
        Ast.Name guard = null;
        boolean neg = false;
        if (t.is("@")) {
            neg = accept("!");
            Token g = expectIdent("guard predicate");
            guard = new Ast.Name(g.text(), 0);
            t = next();
        }
        if (t.kind() != Kind.IDENT) {
            throw err(t.line(), "expected an instruction but found '" + t.text() + "'");
        }
        List<Ast.Opnd> ops = new ArrayList<>();
        if (t.text().equals("call") || t.text().startsWith("call.")) {
            // call{.uni} [(ret, ...),] name [, (arg, ...)] ;  -> operands {rets}, name, {args}
            List<Ast.Opnd> rets = new ArrayList<>();
            List<Ast.Opnd> args = new ArrayList<>();
            if (accept("(")) {
                if (!accept(")")) {
                    do {
                        rets.add(simpleOperand());
                    } while (accept(","));
                    expect(")");
                }
                expect(",");
            }
            Ast.Opnd target = simpleOperand();
            if (accept(",")) {
                if (!peek().is("(")) {
                    throw err(peek().line(), "unsupported call form (indirect calls with a prototype are not supported)");
                }
                next();
                if (!accept(")")) {
                    do {
                        args.add(simpleOperand());
                    } while (accept(","));
                    expect(")");
                }
            }
            Token end = next();
            if (!end.is(";")) {
                throw err(end.line(), "unsupported call form: expected ';' but found '" + end.text() + "'");
            }
            ops.add(new Ast.Vec(rets));
            ops.add(target);
            ops.add(new Ast.Vec(args));
            f.body.add(new Ast.Instr(t.text(), guard, neg, ops, new Ast.Where(t.line(), locFile, locLine), scope));
            return;
        }
        if (!accept(";")) {
            do {
                ops.add(operand());
            } while (accept(","));
            Token end = next();
            if (!end.is(";")) {
                throw err(end.line(), "expected ';' after operands of " + t.text() + " but found '" + end.text() + "'");
            }
        }
        f.body.add(new Ast.Instr(t.text(), guard, neg, ops, new Ast.Where(t.line(), locFile, locLine), scope));
    }

    private Ast.Opnd operand() {
        Ast.Opnd first = simpleOperand();
        if (accept("|")) {
            return new Ast.Pair(first, simpleOperand());
        }
        return first;
    }

    private Ast.Opnd simpleOperand() {
        Token t = next();
        if (t.is("{")) {
            List<Ast.Opnd> items = new ArrayList<>();
            do {
                items.add(simpleOperand());
            } while (accept(","));
            expect("}");
            return new Ast.Vec(items);
        }
        if (t.is("[")) {
            Ast.Name base = null;
            long off = 0;
            Token a = peek();
            if (a.kind() == Kind.IDENT) {
                next();
                base = new Ast.Name(a.text(), 0);
                off = offsetTail();
            } else {
                off = expectInt("address");
                off += offsetTail();
            }
            expect("]");
            return new Ast.Addr(base, off);
        }
        if (t.is("!")) {
            return new Ast.Not(simpleOperand());
        }
        if (t.is("-")) {
            Token n = next();
            if (n.kind() != Kind.NUMBER) {
                throw err(n.line(), "expected a number after '-' but found '" + n.text() + "'");
            }
            return new Ast.Num(n.text(), true);
        }
        if (t.kind() == Kind.NUMBER) {
            return new Ast.Num(t.text(), false);
        }
        if (t.kind() == Kind.IDENT) {
            if (t.is("_")) {
                return new Ast.Sink();
            }
            long off = offsetTail();
            return new Ast.Name(t.text(), off);
        }
        throw err(t.line(), "unexpected '" + t.text() + "' in operand");
    }

    /** Parses an optional {@code +N}, {@code -N} or {@code +-N} tail. */
    private long offsetTail() {
        long off = 0;
        while (!atEnd() && (peek().is("+") || peek().is("-"))) {
            boolean minus = next().is("-");
            if (!minus && peek().is("-")) {
                next();
                minus = true;
            }
            long v = expectInt("offset");
            off += minus ? -v : v;
        }
        return off;
    }
}
