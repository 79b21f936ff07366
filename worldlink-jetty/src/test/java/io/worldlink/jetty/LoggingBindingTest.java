package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The launcher and this module's tests log through Jetty's simple SLF4J binding, but an application that
 * depends on this module never receives it: it chooses its own, and two bindings would clash.
 */
class LoggingBindingTest {
    @Test
    void theBindingIsHereButNotPassedOnToDependents() throws Exception {
        assertEquals("org.eclipse.jetty.logging.JettyLoggerFactory",
                LoggerFactory.getILoggerFactory().getClass().getName(), "this module's tests log");
        assertEquals(System.getLogger("x").getClass().getPackageName(), "org.slf4j.jdk.platform.logging",
                "WorldLink's System.Logger goes to SLF4J");

        Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(Path.of("pom.xml").toFile()).getDocumentElement();
        Element dependencies = (Element) project.getElementsByTagName("dependencies").item(0);
        NodeList list = dependencies.getElementsByTagName("dependency");
        Map<String, String> optional = new TreeMap<>();
        for (int i = 0; i < list.getLength(); i++) {
            Element d = (Element) list.item(i);
            String artifact = d.getElementsByTagName("artifactId").item(0).getTextContent();
            if (artifact.equals("jetty-slf4j-impl") || artifact.equals("slf4j-jdk-platform-logging")) {
                NodeList o = d.getElementsByTagName("optional");
                optional.put(artifact, o.getLength() == 0 ? "false" : o.item(0).getTextContent().strip());
            }
        }
        assertEquals(Map.of("jetty-slf4j-impl", "true", "slf4j-jdk-platform-logging", "true"), optional);
    }
}
