package eim.distributed;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The jars executors of a real cluster need besides Spark's own (spark.jars): the ones this
 * application's classes were loaded from (eim.jar with runtime, model and kernels; the distributed
 * jar). Classes loaded from folders (a build's target/classes) cannot be shipped: a cluster run
 * needs the packaged jars (scripts/eim and scripts/cluster.sh use them).
 */
final class AppJars {
    private AppJars() {}

    static List<String> find() {
        List<String> jars = new ArrayList<>();
        for (Class<?> c : new Class<?>[] {AppJars.class, eim.runtime.train.GeneratorTrainer.class,
                eim.model.generator.EquivariantGenerator.class, eim.tasks.Device.class}) {
            try {
                var src = c.getProtectionDomain().getCodeSource();
                if (src == null) {
                    continue;
                }
                Path p = Path.of(src.getLocation().toURI());
                if (Files.isRegularFile(p) && p.toString().endsWith(".jar") && !jars.contains(p.toString())) {
                    jars.add(p.toString());
                }
            } catch (URISyntaxException | SecurityException e) {
                // not shippable: the cluster's class path must hold it
            }
        }
        return jars;
    }
}
