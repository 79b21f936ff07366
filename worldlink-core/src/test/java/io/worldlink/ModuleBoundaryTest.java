package io.worldlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The core's module exports its API and nothing else, so that another module (the Jetty host, an
 * application) that reaches into {@code io.worldlink.internal} does not compile.
 */
class ModuleBoundaryTest {
    @TempDir
    Path dir;

    @Test
    void theModuleExportsTheApiPackagesOnly() throws Exception {
        ModuleDescriptor core = ModuleFinder.of(location(WorldLink.class)).find("io.worldlink").orElseThrow()
                .descriptor();

        assertEquals(Set.of("io.worldlink", "io.worldlink.event", "io.worldlink.model", "io.worldlink.client",
                "io.worldlink.cluster"), core.exports().stream()
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
        assertTrue(core.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified), core.toString());
        assertEquals(Set.of(), core.opens(), "nothing is open to reflection");
        assertTrue(core.packages().contains("io.worldlink.internal.protocol"), "the internals are in the module");
    }

    @Test
    void anotherModuleCompilesAgainstTheApiAndIsRefusedTheInternals() throws Exception {
        assertEquals("", compile("io.worldlink.WorldLink"), "the API is there to use");

        String refused = compile("io.worldlink.internal.Json");
        assertTrue(refused.contains("package io.worldlink.internal is declared in module io.worldlink, which does "
                + "not export it"), refused);
        String deeper = compile("io.worldlink.internal.protocol.ManagementJson");
        assertTrue(deeper.contains("package io.worldlink.internal.protocol is declared in module io.worldlink, "
                + "which does not export it"), deeper);
    }

    // Compiles a module of one class that requires the core and imports the named class, against the core's
    // module as the build made it; returns what javac said, nothing when it compiled.
    private String compile(String imported) throws IOException, URISyntaxException {
        Path src = Files.createTempDirectory(dir, "src");
        Path moduleInfo = Files.writeString(src.resolve("module-info.java"),
                "module host.probe { requires io.worldlink; }\n");
        Path probe = Files.createDirectories(src.resolve("host/probe")).resolve("Probe.java");
        Files.writeString(probe, "package host.probe;\n\nimport " + imported + ";\n\nclass Probe {\n    Class<?> c = "
                + imported.substring(imported.lastIndexOf('.') + 1) + ".class;\n}\n");
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        int status = ToolProvider.getSystemJavaCompiler().run(null, said, said, "--release", "17",
                "-d", Files.createTempDirectory(dir, "classes").toString(),
                "--module-path", location(WorldLink.class) + File.pathSeparator + location(Gson.class),
                // Else javac takes the tests' class path, whose classes would be refused for another reason.
                "--class-path", Files.createTempDirectory(dir, "nothing").toString(),
                moduleInfo.toString(), probe.toString());
        return status == 0 ? "" : said.toString(StandardCharsets.UTF_8);
    }

    private static Path location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
