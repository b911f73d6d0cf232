package eim.distributed;

import org.slf4j.LoggerFactory;

/** Spark, Hadoop and Netty log at INFO through this application's logback: keep only their warnings. */
final class Logs {
    private Logs() {}

    static void quiet() {
        if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
            for (String name : new String[] {"org.apache.spark", "org.sparkproject", "org.apache.hadoop", "io.netty"}) {
                ctx.getLogger(name).setLevel(ch.qos.logback.classic.Level.WARN);
            }
            // "Unable to load native-hadoop library" and friends: harmless on every machine without Hadoop
            ctx.getLogger("org.apache.hadoop.util.NativeCodeLoader").setLevel(ch.qos.logback.classic.Level.ERROR);
            // "Your hostname resolves to a loopback address": local mode binds to localhost anyway
            ctx.getLogger("org.apache.spark.util.Utils").setLevel(ch.qos.logback.classic.Level.ERROR);
        }
    }
}
