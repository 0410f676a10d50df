package org.lde.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.lde.testing.MarkdownBlocks;

/**
 * Every Java block of README.md and docs/java-api.md is a complete program: the test compiles them
 * all with {@code javax.tools.JavaCompiler} against the test class path (warnings are errors) and
 * runs each one's {@code main}, which must finish normally and print something. The examples
 * check their own results where there is something to check (an {@code AssertionError} fails the
 * test). So an example cannot rot: a renamed method or a changed default breaks the build.
 */
class DocExamplesTest {
    static final List<String> FILES = List.of("README.md", "docs/java-api.md");
    private static final Pattern CLASS = Pattern.compile("(?m)^public (?:final )?class (\\w+)");

    record Example(String file, int line, String className, String source) {
    }

    static List<Example> examples() {
        List<Example> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String f : FILES) {
            for (MarkdownBlocks b : MarkdownBlocks.of(f)) {
                if (!b.language().equals("java")) {
                    continue;
                }
                Matcher m = CLASS.matcher(b.text());
                assertTrue(m.find(), f + ":" + b.line() + ": a Java block must be a complete program with a public class");
                assertTrue(b.text().contains("public static void main(String[] args)"),
                        f + ":" + b.line() + ": class " + m.group(1) + " has no main method");
                assertTrue(names.add(m.group(1)), f + ":" + b.line() + ": class name " + m.group(1) + " is used twice");
                out.add(new Example(f, b.line(), m.group(1), b.text()));
            }
        }
        return out;
    }

    /** The class path the tests run with (surefire passes it in a property when it uses a manifest-only jar). */
    static String testClassPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    @TestFactory
    Stream<DynamicTest> everyJavaBlockCompilesAndRuns(@TempDir Path dir) throws Exception {
        List<Example> examples = examples();
        assertTrue(examples.size() >= 8, "expected the README's and java-api.md's examples, found " + examples.size());
        List<File> sources = new ArrayList<>();
        for (Example e : examples) {
            Path p = dir.resolve("src").resolve(e.className() + ".java");
            Files.createDirectories(p.getParent());
            Files.writeString(p, e.source(), StandardCharsets.UTF_8);
            sources.add(p.toFile());
        }
        Path classes = Files.createDirectories(dir.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StringWriter log = new StringWriter();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            boolean ok = javac.getTask(log, fm, diagnostics,
                    List.of("-classpath", testClassPath(), "-d", classes.toString(), "--release", "17",
                            "-Xlint:all", "-Werror", "-proc:none"),
                    null, fm.getJavaFileObjectsFromFiles(sources)).call();
            StringBuilder why = new StringBuilder();
            diagnostics.getDiagnostics().forEach(d -> {
                String cls = d.getSource() == null ? "?" : Path.of(d.getSource().toUri()).getFileName().toString();
                Example e = examples.stream().filter(x -> (x.className() + ".java").equals(cls)).findFirst().orElse(null);
                why.append(e == null ? cls : e.file() + " (block at line " + e.line() + ", " + cls + ")")
                        .append(" line ").append(d.getLineNumber()).append(": ").append(d.getMessage(Locale.ROOT)).append('\n');
            });
            assertTrue(ok && diagnostics.getDiagnostics().isEmpty(), "the documentation's Java does not compile cleanly:\n" + why + log);
        }
        URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, DocExamplesTest.class.getClassLoader());
        return examples.stream().map(e -> DynamicTest.dynamicTest(e.file() + ":" + e.line() + " " + e.className(), () -> {
            long t0 = System.nanoTime();
            String out = runMain(loader, e.className());
            System.out.printf("(%s ran in %.1f s)%n", e.className(), (System.nanoTime() - t0) / 1e9);
            assertFalse(out.isBlank(), e.className() + " printed nothing");
        }));
    }

    /** Runs {@code main} with stdout captured; returns what it printed. */
    static synchronized String runMain(ClassLoader loader, String className) throws Exception {
        Method main = Class.forName(className, true, loader).getMethod("main", String[].class);
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            System.setOut(ps);
            main.invoke(null, (Object) new String[0]);
        } catch (InvocationTargetException ex) {
            if (ex.getCause() instanceof Exception c) {
                throw c;
            }
            if (ex.getCause() instanceof Error err) {
                throw err;
            }
            throw ex;
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        old.print(out); // visible in the test log
        return out;
    }

    /** The first lines of each example name the imports it needs: nothing from outside org.lde and the JDK. */
    @org.junit.jupiter.api.Test
    void examplesImportOnlyTheEngineAndTheJdk() {
        for (Example e : examples()) {
            for (String line : e.source().split("\n")) {
                if (line.startsWith("import ")) {
                    String what = line.substring(7).replace("static ", "");
                    assertTrue(what.startsWith("org.lde.") || what.startsWith("java."),
                            e.file() + ":" + e.line() + " imports " + what);
                }
            }
            assertEquals(-1, e.source().indexOf("Path.of(\""), e.file() + ":" + e.line() + " reads a file the reader may lack");
        }
    }
}
