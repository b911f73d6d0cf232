package eim.tasks.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A test resource as a file path, also when it sits in another module's test-jar (as in
 * {@code mvn install}): then it is copied to a temporary file once.
 */
public final class TestResources {
    private TestResources() {}

    public static Path file(String resource) {
        URL url = TestResources.class.getResource(resource);
        if (url == null) {
            throw new IllegalStateException("test resource " + resource + " is missing");
        }
        try {
            if ("file".equals(url.getProtocol())) {
                return Path.of(url.toURI());
            }
            String name = resource.substring(resource.lastIndexOf('/') + 1);
            Path dir = Files.createTempDirectory("eim-test-resource");
            Path file = dir.resolve(name);
            try (InputStream in = url.openStream()) {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            file.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return file;
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot read test resource " + resource + ": " + e.getMessage(), e);
        }
    }
}
