package eim.tasks;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the loop variable of a kernel's parallel loop, as TornadoVM's {@code @Parallel} does.
 *
 * <p>In our kernels the marked loop always runs over dimension 0 of the task's range between the
 * {@code from} and {@code to} bounds the backend hands in: the {@code java} backend splits that
 * range across cores, and the OpenCL twin replaces the loop by {@code get_global_id(0)}.
 */
@Retention(RetentionPolicy.SOURCE)
@Target({ElementType.LOCAL_VARIABLE, ElementType.TYPE_USE})
public @interface Parallel {}
