package org.lde.docs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java programs under {@code src/scripts} (run by the README's measurement scripts as single-file
 * source programs, so Maven never compiles them) compile against the current API. Without this test an
 * API rename breaks a script only when someone next reruns a measurement (as {@code CertifySamples.java}
 * did after {@code Certificate.verifiedUpperBound} became {@code rHi}).
 */
class ScriptSourcesCompileTest {
    @Test
    void everyScriptCompiles(@TempDir Path out) throws Exception {
        List<Path> sources;
        try (Stream<Path> s = Files.list(Path.of("src/scripts"))) {
            sources = s.filter(p -> p.toString().endsWith(".java")).sorted().collect(Collectors.toList());
        }
        assertFalse(sources.isEmpty(), "no Java sources under src/scripts");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StringWriter log = new StringWriter();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            boolean ok = javac.getTask(log, fm, diagnostics,
                    List.of("-classpath", DocExamplesTest.testClassPath(), "-d", out.toString(), "--release", "17", "-proc:none"),
                    null, fm.getJavaFileObjectsFromPaths(sources)).call();
            StringBuilder why = new StringBuilder();
            diagnostics.getDiagnostics().forEach(d -> why.append(d.getSource() == null ? "?" : d.getSource().getName())
                    .append(" line ").append(d.getLineNumber()).append(": ").append(d.getMessage(Locale.ROOT)).append('\n'));
            assertTrue(ok, "a script under src/scripts does not compile:\n" + why + log);
        }
    }
}
