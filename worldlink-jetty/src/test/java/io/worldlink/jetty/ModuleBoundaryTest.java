package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The Jetty module exports its API package only: the servlets and endpoints behind it stay inside. */
class ModuleBoundaryTest {
    @Test
    void theModuleExportsTheApiPackageOnly() throws Exception {
        Path classes = Path.of(WorldLinkServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor jetty = ModuleFinder.of(classes).find("io.worldlink.jetty").orElseThrow().descriptor();

        assertEquals(Set.of("io.worldlink.jetty"), jetty.exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toSet()));
        assertTrue(jetty.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified), jetty.toString());
        assertEquals(Set.of(), jetty.opens(), "nothing is open to reflection");
        assertTrue(jetty.packages().contains("io.worldlink.jetty.internal"), "the internals are in the module");
    }
}
