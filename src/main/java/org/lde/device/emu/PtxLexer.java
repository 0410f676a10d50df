package org.lde.device.emu;

import java.util.ArrayList;
import java.util.List;

import org.lde.device.DeviceException;

/** Splits PTX text into tokens that remember their line; comments are dropped. */
final class PtxLexer {
    enum Kind { IDENT, NUMBER, STRING, PUNCT }

    /** One token: its kind, its text and its 1-based line in the PTX text. */
    record Token(Kind kind, String text, int line) {
        boolean is(String s) {
            return text.equals(s) && kind != Kind.STRING;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private PtxLexer() {
    }

    static boolean identStart(char c) {
        return Character.isLetter(c) || c == '_' || c == '$' || c == '%' || c == '.';
    }

    static boolean identPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c == '%' || c == '.';
    }

    static List<Token> tokenize(String moduleName, String text) {
        List<Token> out = new ArrayList<>();
        int line = 1;
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '/' && i + 1 < n && text.charAt(i + 1) == '/') {
                while (i < n && text.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
                int start = line;
                i += 2;
                while (i + 1 < n && !(text.charAt(i) == '*' && text.charAt(i + 1) == '/')) {
                    if (text.charAt(i) == '\n') {
                        line++;
                    }
                    i++;
                }
                if (i + 1 >= n) {
                    throw new DeviceException(moduleName + ": PTX line " + start + ": unterminated /* comment");
                }
                i += 2;
            } else if (c == '"') {
                int j = i + 1;
                StringBuilder sb = new StringBuilder();
                while (j < n && text.charAt(j) != '"') {
                    if (text.charAt(j) == '\n') {
                        throw new DeviceException(moduleName + ": PTX line " + line + ": unterminated string");
                    }
                    if (text.charAt(j) == '\\' && j + 1 < n) {
                        j++;
                    }
                    sb.append(text.charAt(j));
                    j++;
                }
                if (j >= n) {
                    throw new DeviceException(moduleName + ": PTX line " + line + ": unterminated string");
                }
                out.add(new Token(Kind.STRING, sb.toString(), line));
                i = j + 1;
            } else if (Character.isDigit(c)) {
                int j = i + 1;
                boolean prefixed = c == '0' && j < n && "xXfFdD".indexOf(text.charAt(j)) >= 0;
                while (j < n) {
                    char d = text.charAt(j);
                    if (Character.isLetterOrDigit(d) || d == '.' || d == '_') {
                        j++;
                    } else if (!prefixed && (d == '+' || d == '-') && (text.charAt(j - 1) == 'e' || text.charAt(j - 1) == 'E')) {
                        j++;
                    } else {
                        break;
                    }
                }
                out.add(new Token(Kind.NUMBER, text.substring(i, j), line));
                i = j;
            } else if (identStart(c)) {
                int j = i + 1;
                while (j < n) {
                    char d = text.charAt(j);
                    if (identPart(d)) {
                        j++;
                    } else if (d == ':' && j + 1 < n && text.charAt(j + 1) == ':') {
                        j += 2; // qualifiers such as .L1::evict_last or .L2::128B
                    } else {
                        break;
                    }
                }
                out.add(new Token(Kind.IDENT, text.substring(i, j), line));
                i = j;
            } else if ("{}[]();,:|@!+-<>=".indexOf(c) >= 0) {
                out.add(new Token(Kind.PUNCT, String.valueOf(c), line));
                i++;
            } else {
                throw new DeviceException(moduleName + ": PTX line " + line + ": unexpected character '" + c + "'");
            }
        }
        return out;
    }
}
