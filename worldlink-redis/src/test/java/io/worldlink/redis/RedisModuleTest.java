package io.worldlink.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.cluster.Cluster;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The module exports its API package alone; Lettuce and the internals stay behind it. */
class RedisModuleTest {
    @Test
    void theModuleExportsItsApiOnlyAndGivesItsUsersTheCore() throws Exception {
        Path classes = Path.of(ClusterNode.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor module = ModuleFinder.of(classes).find("io.worldlink.redis").orElseThrow().descriptor();

        assertEquals(Set.of("io.worldlink.redis"),
                module.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
        assertTrue(module.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified));
        assertEquals(Set.of(), module.opens());
        assertTrue(module.packages().contains("io.worldlink.redis.internal"));
        assertTrue(module.requires().stream().anyMatch(r -> r.name().equals("io.worldlink")
                && r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE)),
                "ClusterNode is an io.worldlink.cluster.Cluster: its users need the core");
        assertTrue(module.requires().stream().noneMatch(r -> r.name().equals("lettuce.core")
                && r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE)),
                "no Lettuce type is part of the API");
    }

    @Test
    void theApiPackageHoldsTheNodeAndItsBuilderAlone() throws Exception {
        Path classes = Path.of(ClusterNode.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<String> publicTypes = new TreeSet<>();
        try (Stream<Path> files = Files.list(classes.resolve("io/worldlink/redis"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = file.getFileName().toString().replace(".class", "");
                Class<?> type = Class.forName("io.worldlink.redis." + name, false, getClass().getClassLoader());
                if (Modifier.isPublic(type.getModifiers())) {
                    publicTypes.add(type.getName());
                }
            }
        }
        assertEquals(Set.of("io.worldlink.redis.ClusterNode", "io.worldlink.redis.ClusterNode$Builder"), publicTypes);
        assertTrue(Cluster.class.isAssignableFrom(ClusterNode.class));
    }
}
